// Builds the officer pages' stylesheet and copies the script the site serves into
// frontend/build/, which Django's staticfiles finds as "attest/...". Run by `make assets`.
import { mkdirSync, copyFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const out = join(here, "build", "attest");
mkdirSync(out, { recursive: true });

const css = sass.compile(join(here, "attest.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter(root)],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "attest.css"), css.css);

const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
copyFileSync(join(here, "init.mjs"), join(out, "init.mjs"));
console.log(`built ${join(out, "attest.css")} (${css.css.length} bytes)`);
