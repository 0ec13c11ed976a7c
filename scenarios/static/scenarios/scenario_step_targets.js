// Where a step or choice leads, chosen from the scenario's own steps.
//
// A scenario's "leads to" and "then" fields are text boxes on the server (the steps they can
// name are those of the form being edited), marked with data-scenario-step-target. This script
// shows each as a list of the scenario's steps instead, kept in step with the form: naming,
// adding, moving or removing a step updates every list. The text box stays in the form,
// hidden, and holds the chosen name, so what is saved is what it always was; without this
// script the trainer types the name, and the save-time check lists the names it could be.
(() => {
  "use strict";

  const END = "end";
  const MARK = "data-scenario-step-target";
  const LIST = "data-scenario-step-list";
  const STEP_NAME = /^(.+)-(\d+)-value-name$/;
  const TARGET = /^(.+?)-\d+-value-(?:options-\d+-value-leads_to|then)$/;

  // The stream a target field belongs to ("steps"), from its input's name.
  const streamOf = (input) => {
    const match = TARGET.exec(input.name || "");
    return match ? match[1] : null;
  };

  // The steps of a stream in the order the editor shows them: [{number, name}], name "" if unnamed.
  const stepsOf = (form, stream) => {
    const steps = [];
    form.querySelectorAll(`input[name^="${CSS.escape(stream)}-"][name$="-value-name"]`).forEach((input) => {
      const match = STEP_NAME.exec(input.name);
      if (!match || match[1] !== stream) return;
      const deleted = form.querySelector(`input[name="${CSS.escape(`${stream}-${match[2]}-deleted`)}"]`);
      if (deleted && deleted.value === "1") return;
      steps.push({ number: steps.length + 1, name: input.value.trim() });
    });
    return steps;
  };

  const option = (value, text, { disabled = false } = {}) => {
    const element = document.createElement("option");
    element.value = value;
    element.textContent = text;
    element.disabled = disabled;
    return element;
  };

  // Fill the list from the steps, keeping the value the hidden text box holds.
  const fill = (select, input, steps) => {
    const current = input.value.trim();
    const isThen = input.name.endsWith("-value-then");
    const options = [
      isThen ? option("", "The next step in the list") : option("", "Choose where this choice leads"),
    ];
    steps.forEach(({ number, name }) => {
      options.push(
        name
          ? option(name, `Step ${number}: ${name}`)
          : option("", `Step ${number} (name it to choose it here)`, { disabled: true }),
      );
    });
    options.push(option(END, "The end of the scenario"));
    const known = new Set(steps.map((step) => step.name).filter(Boolean).concat([END, ""]));
    if (!known.has(current)) {
      options.splice(1, 0, option(current, `“${current}”: no step has this name`));
    }
    select.replaceChildren(...options);
    select.value = current;
  };

  const enhance = (input) => {
    if (input.dataset.scenarioStepTargetReady) return;
    const form = input.form;
    const stream = streamOf(input);
    if (!form || !stream) return;
    input.dataset.scenarioStepTargetReady = "true";

    const select = document.createElement("select");
    select.id = `${input.id}-step`;
    select.setAttribute(LIST, "");
    select.className = input.className;
    // The field's label names the list; the text box is hidden, so it no longer needs it.
    const label = input.id ? document.querySelector(`label[for="${CSS.escape(input.id)}"]`) : null;
    if (label) label.htmlFor = select.id;
    const describedBy = input.getAttribute("aria-describedby");
    if (describedBy) select.setAttribute("aria-describedby", describedBy);
    if (input.getAttribute("aria-invalid")) select.setAttribute("aria-invalid", input.getAttribute("aria-invalid"));
    select.addEventListener("change", () => {
      input.value = select.value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    input.hidden = true;
    input.after(select);
    fill(select, input, stepsOf(form, stream));
  };

  const refresh = (root) => {
    root.querySelectorAll(`input[${MARK}]`).forEach(enhance);
    document.querySelectorAll(`input[${MARK}][data-scenario-step-target-ready]`).forEach((input) => {
      const select = document.getElementById(`${input.id}-step`);
      if (select && input.form) fill(select, input, stepsOf(input.form, streamOf(input)));
    });
  };

  let pending = false;
  const refreshSoon = () => {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(() => {
      pending = false;
      refresh(document);
    });
  };

  const start = () => {
    refresh(document);
    // Steps and choices are added, moved and removed by Wagtail's StreamField; names are typed.
    // Filling a list is itself a change to the page: those are not news.
    const ours = (node) => node.nodeType === Node.ELEMENT_NODE && node.hasAttribute(LIST);
    new MutationObserver((mutations) => {
      const news = mutations.some(
        (mutation) =>
          !ours(mutation.target) && ![...mutation.addedNodes, ...mutation.removedNodes].every(ours),
      );
      if (news) refreshSoon();
    }).observe(document.body, { childList: true, subtree: true });
    document.addEventListener("input", (event) => {
      if (STEP_NAME.test(event.target.name || "")) refreshSoon();
    });
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
