// Drive JupyterLab in a real browser (Debian's chromium via Playwright) as a learner would:
// open a week's notebook, press nbgrader's Validate button, read the result, open the Nbgrader menu,
// then run the self-check from a new cell.
// Usage: node lab.mjs LAB_URL NOTEBOOK_PATH SCREENSHOT_DIR   (LAB_URL as printed: http://…/lab?token=…)
// Prints one JSON object with what it saw.
import { chromium } from "playwright-core";

const [labUrl, notebook, shots] = process.argv.slice(2);
const url = new URL(labUrl);
const token = url.searchParams.get("token");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const seen = {};
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url.origin}/lab/tree/${notebook}?token=${token}`);
  await page.locator(".jp-Notebook .jp-Cell").first().waitFor({ timeout: 60000 });

  const validate = page.locator(".jp-NotebookPanel-toolbar").getByText("Validate", { exact: true });
  await validate.waitFor({ timeout: 30000 });
  seen.validateButton = true;
  await page.screenshot({ path: `${shots}/notebook.png` });

  await validate.click();
  const dialog = page.locator(".jp-Dialog");
  await dialog.waitFor({ timeout: 120000 });
  await page.waitForFunction(() => !/Validating/i.test(document.querySelector(".jp-Dialog")?.innerText || ""),
                             null, { timeout: 120000 });
  seen.validateDialog = (await dialog.innerText()).slice(0, 2000);
  await page.screenshot({ path: `${shots}/validate.png` });
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached", timeout: 10000 }).catch(() => {});

  await page.locator(".lm-MenuBar-itemLabel", { hasText: "Nbgrader" }).click();
  seen.nbgraderMenu = await page.locator(".lm-Menu-content .lm-Menu-itemLabel").allInnerTexts();
  await page.screenshot({ path: `${shots}/menu.png` });
  await page.keyboard.press("Escape");

  // The self-check from a cell, as the notebook's introduction says: a new cell at the end, run it.
  await page.locator(".jp-Notebook .jp-Cell").last().click();
  await page.keyboard.press("Escape");
  await page.keyboard.press("b");
  await page.keyboard.press("Enter");
  await page.keyboard.insertText("from aieprep.runtime.check import check_this_notebook; check_this_notebook()");
  await page.keyboard.press("Shift+Enter");
  const report = page.locator(".jp-OutputArea-output", { hasText: "self-check with the hidden tests" });
  await report.waitFor({ timeout: 300000 });
  await page.getByText("Open the feedback page").waitFor({ timeout: 30000 });
  seen.selfCheck = (await report.innerText()).slice(0, 4000);
  seen.feedbackLink = await page.getByText("Open the feedback page").getAttribute("href");
  await page.screenshot({ path: `${shots}/self-check.png` });
} catch (error) {
  seen.error = String(error).split("\n")[0];
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
