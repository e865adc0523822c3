// Lighthouse's SEO category for several addresses with one Chromium (tests/browser/test_lighthouse_seo.py).
// Usage: node lighthouse_seo.mjs LIGHTHOUSE_PACKAGE_DIR URL...  (CHROME_PATH names the browser)
// Prints one JSON object: {url: {score: 0–1, failing: ["id: title", …]}}. A Chromium start and
// Lighthouse's own loading are paid once for all the addresses instead of once for each.
import path from "node:path";
import { pathToFileURL } from "node:url";

const [packageDir, ...urls] = process.argv.slice(2);
const load = (file) => import(pathToFileURL(path.resolve(packageDir, file)).href);
const { default: lighthouse } = await load("core/index.js");
const chromeLauncher = await load("../chrome-launcher/dist/index.js");

// The site's pages are rendered by the server and settle at their load event: Lighthouse's
// default waits for a quiet network and CPU (a second or more each, per page) and its
// screenshots add nothing to the SEO audits.
const CONFIG = {
  extends: "lighthouse:default",
  settings: {
    onlyCategories: ["seo"],
    pauseAfterFcpMs: 100,
    pauseAfterLoadMs: 100,
    networkQuietThresholdMs: 100,
    cpuQuietThresholdMs: 100,
    disableFullPageScreenshot: true,
    skipAboutBlank: true,
  },
};

const chrome = await chromeLauncher.launch({
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
});
const results = {};
try {
  for (const url of urls) {
    const { lhr } = await lighthouse(url, { port: chrome.port, logLevel: "error" }, CONFIG);
    const category = lhr.categories.seo;
    results[url] = {
      score: category.score,
      failing: category.auditRefs
        .filter((ref) => ref.weight && (lhr.audits[ref.id].score ?? 0) < 1)
        .map((ref) => `${ref.id}: ${lhr.audits[ref.id].title}`),
      errors: lhr.runtimeError ? [lhr.runtimeError.message] : [],
    };
  }
} finally {
  await chrome.kill();
}
process.stdout.write(JSON.stringify(results));
