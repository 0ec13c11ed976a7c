// Several org units: "Add org units" opens Wagtail's org unit chooser with several choices allowed,
// and each unit chosen is added as a checked box. Without JavaScript the button stays hidden and
// units are added by typing their codes.
(function () {
  function addUnit(widget, unit) {
    var name = widget.dataset.name;
    var list = widget.querySelector('[data-chosen]');
    if (list.querySelector('input[value="' + unit.id + '"]')) return;
    var item = document.createElement('li');
    var label = document.createElement('label');
    var box = document.createElement('input');
    box.type = 'checkbox';
    box.name = name;
    box.value = unit.id;
    box.checked = true;
    label.appendChild(box);
    label.appendChild(document.createTextNode(' ' + unit.title));
    item.appendChild(label);
    list.appendChild(item);
    list.hidden = false;
    widget.querySelector('[data-none]').hidden = true;
  }

  function init(widget) {
    var button = widget.querySelector('[data-add]');
    if (!window.ModalWorkflow || !window.CHOOSER_MODAL_ONLOAD_HANDLERS) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      window.ModalWorkflow({
        url: widget.dataset.chooserUrl,
        urlParams: { multiple: 1 },
        onload: window.CHOOSER_MODAL_ONLOAD_HANDLERS,
        responses: {
          chosen: function (result) {
            (Array.isArray(result) ? result : [result]).forEach(function (unit) {
              addUnit(widget, unit);
            });
          },
        },
      });
    });
  }

  function start() {
    document.querySelectorAll('[data-org-units-widget]').forEach(init);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
