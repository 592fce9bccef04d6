// Drive JupyterLab in a real browser (Debian's chromium via Playwright) as a learner would.
// Visit "week" (the default): open a week's notebook, press nbgrader's Validate button, read the result, open
// the Nbgrader menu, then run the self-check from a new cell.
// Visit "practice": open a notebook of two cells (tests/test_lab.py writes it: code to rep, then a week's practice
// cell, which shows the rep timer and the flashcards), run them, time a rep (Start, then Stop and run tests),
// reveal a card and rate it.
// Visit "selfgrade": open a notebook of reflections (one written) ending in two code cells, self_grade() and
// progress_view(); run the first, grade the written answer's criteria at the LEVELS given (Full, Partial, None),
// read its points and the model answer, go on, then run the progress view.
// Visit "formgrader": open one submission in Formgrader, read its autograded scores, enter a manual grade and a
// comment for one answer graded by hand.
// Visit "feedback": open Nbgrader → Assignment List, press Fetch Feedback on a submitted week (its name given as
// NOTEBOOK), then "(view feedback)", which shows the fetched feedback folder in the file browser.
// Usage: node lab.mjs LAB_URL NOTEBOOK_PATH SCREENSHOT_DIR [week | practice PATTERN_LABEL | selfgrade LEVELS
//                                                            | formgrader GRADE_ID SCORE COMMENT | feedback]
// (LEVELS: the buttons to press in order, comma-separated, e.g. "Full,Partial")
// (LAB_URL as printed: http://…/lab?token=…; PATTERN_LABEL: the rep timer's choice to time, as its menu shows it).
// Prints one JSON object with what it saw.
import { chromium } from "playwright-core";

const [labUrl, notebook, shots, visit = "week", patternLabel] = process.argv.slice(2);
const [gradeId, manualScore, manualComment] = process.argv.slice(6);  // the formgrader visit's (NOTEBOOK: its page)
const url = new URL(labUrl);
const token = url.searchParams.get("token");

// The practice visit has a fresh workspace of its own: the default one reopens the week visit's tabs.
async function openNotebook(page, workspace = "") {
  const prefix = workspace ? `/lab/workspaces/${workspace}` : "/lab";
  await page.goto(`${url.origin}${prefix}/tree/${notebook}?token=${token}${workspace ? "&reset" : ""}`);
  await page.locator(".jp-Notebook .jp-Cell").first().waitFor({ timeout: 60000 });
}

async function visitWeek(page, seen) {
  await openNotebook(page);
  const validate = page.locator(".jp-NotebookPanel-toolbar").getByText("Validate", { exact: true });
  await validate.waitFor({ timeout: 30000 });
  seen.validateButton = true;
  await page.screenshot({ path: `${shots}/notebook.png` });

  await validate.click();
  const dialog = page.locator(".jp-Dialog");
  await dialog.waitFor({ timeout: 120000 });
  await page.waitForFunction(() => !/Validating/i.test(document.querySelector(".jp-Dialog")?.innerText || ""),
                             null, { timeout: 120000 });
  const validation = await dialog.innerText();
  seen.validateDialog = validation.slice(0, 2000);
  seen.validateFailures = (validation.match(/The following cell failed/g) || []).length;
  await page.screenshot({ path: `${shots}/validate.png` });
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached", timeout: 10000 }).catch(() => {});

  await page.locator(".lm-MenuBar-itemLabel", { hasText: "Nbgrader" }).click();
  seen.nbgraderMenu = await page.locator(".lm-Menu-content .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel").allInnerTexts();
  await page.screenshot({ path: `${shots}/menu.png` });
  await page.keyboard.press("Escape");

  // The self-check from a cell, as the notebook's introduction says: a new cell at the end, run it.
  await page.locator(".jp-Notebook .jp-Cell").last().click();
  await page.keyboard.press("Escape");
  await page.keyboard.press("b");
  await page.keyboard.press("Enter");
  await page.keyboard.insertText("from aieprep.runtime.check import check_this_notebook; check_this_notebook()");
  await page.keyboard.press("Shift+Enter");
  const live = page.locator(".jp-OutputArea-output", { hasText: /running cell \d+ of \d+/ });
  await live.waitFor({ timeout: 120000 });  // the live line, while the check works
  seen.progressLine = await live.innerText().catch(() => "");
  const report = page.locator(".jp-OutputArea-output", { hasText: "self-check with the hidden tests" });
  await report.waitFor({ timeout: 300000 });
  await page.getByText("Open the feedback page").waitFor({ timeout: 30000 });
  seen.selfCheck = (await report.innerText()).slice(0, 4000);
  seen.selfCheckCell = (await page.locator(".jp-Cell", { has: report }).locator(".jp-OutputArea").first()
    .innerText()).slice(0, 6000);  // every output of the cell: the live line must have given way
  const link = page.getByText("Open the feedback page");
  seen.feedbackLink = await link.getAttribute("href");
  // Then the reflections are offered for grading by hand (none is written in a notebook as released).
  const offer = page.locator(".jp-Cell", { has: report }).locator(".widget-html", { hasText: "Grade your reflections" });
  await offer.waitFor({ timeout: 30000 });
  seen.selfGradeOffer = await offer.innerText();
  await page.screenshot({ path: `${shots}/self-check.png` });

  // The link opens the feedback page in a browser tab of its own: no JupyterLab, no trust prompt.
  const [tab] = await Promise.all([page.context().waitForEvent("page", { timeout: 30000 }), link.click()]);
  await tab.waitForLoadState("load");
  await tab.setViewportSize({ width: 1000, height: 900 });
  seen.feedbackTab = await tab.evaluate(() => {
    document.querySelectorAll("details").forEach((d) => { d.open = true; });
    const drawn = [...document.querySelectorAll("math")].filter((m) => m.getBoundingClientRect().width > 0);
    return {
      url: location.pathname,
      title: document.title,
      totals: document.querySelector(".totals")?.innerText,
      entries: [...document.querySelectorAll("nav li a")].map((a) => a.innerText),
      tests: document.querySelectorAll("td.id").length,
      formulas: document.querySelectorAll("math").length,
      formulasDrawn: drawn.length,
      mathDisplay: drawn.length ? getComputedStyle(drawn[0]).display : "",
      insideLab: !!document.querySelector(".jp-LabShell"),
      scripts: document.scripts.length,
    };
  });
  await tab.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = false; }));
  await tab.screenshot({ path: `${shots}/feedback.png` });
  await tab.evaluate(() => document.querySelector("math")?.closest("details")?.setAttribute("open", ""));
  await tab.evaluate(() => document.querySelector("math")?.scrollIntoView({ block: "center" }));
  await tab.screenshot({ path: `${shots}/feedback-formula.png` });
  await tab.close();
}

// Formgrader on one graded submission (the path after the lab's origin, given as NOTEBOOK): the autograded
// scores it shows, then a manual grade and a comment typed into the reflection answer, saved as Formgrader saves.
async function visitFormgrader(page, seen) {
  await page.goto(`${url.origin}/lab?token=${token}`);  // logs the browser in (a cookie) for the next page
  await page.goto(`${url.origin}/${notebook}`);
  const manual = page.locator(`input.score#${gradeId}`);
  await manual.waitFor({ timeout: 60000 });
  seen.autograded = await page.locator("input.score").evaluateAll(
    (inputs) => Object.fromEntries(inputs.map((i) => [i.id, i.getAttribute("placeholder")])));
  const saved = (what) => page.waitForResponse((r) => r.url().includes(`/formgrader/api/${what}/`) &&
                                                 r.request().method() === "PUT", { timeout: 30000 });
  const [grade] = await Promise.all([saved("grade"), manual.fill(manualScore).then(() => manual.press("Tab"))]);
  seen.gradeSaved = grade.status();
  const comment = page.locator(`#${gradeId}`).locator("xpath=ancestor::div[contains(@class,'nbgrader_cell')]")
    .locator("textarea.comment");
  const [note] = await Promise.all([saved("comment"),
                                    comment.fill(manualComment).then(() => comment.press("Tab"))]);
  seen.commentSaved = note.status();
  // The rubric: the last table before the answer's score, on screen together with it.
  await manual.evaluate((input) => input.scrollIntoView({ block: "end" }));
  seen.rubric = await manual.evaluate((input) => {
    const before = [...document.querySelectorAll("table")].filter(
      (t) => t.compareDocumentPosition(input) & Node.DOCUMENT_POSITION_FOLLOWING);
    const table = before[before.length - 1];
    if (!table) return null;
    const onScreen = (e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; };
    return { header: [...table.querySelectorAll("th")].map((th) => th.innerText.trim()),
             rows: table.querySelectorAll("tbody tr").length, besideAnswer: onScreen(table) && onScreen(input) };
  });
  await page.screenshot({ path: `${shots}/formgrader.png` });
}

// The learner's Assignment List: fetch the released feedback of the submitted week NOTEBOOK and go to it.
async function visitFeedback(page, seen) {
  await page.goto(`${url.origin}/lab/workspaces/assignments?token=${token}&reset`);
  await page.locator(".lm-MenuBar-itemLabel", { hasText: "Nbgrader" }).click();
  await page.locator(".lm-Menu-content .lm-Menu-itemLabel", { hasText: "Assignment List" }).click();
  const submitted = page.locator("#submitted_assignments_list");
  const fetch = submitted.locator("button", { hasText: "Fetch Feedback" });
  await fetch.waitFor({ timeout: 60000 });
  seen.before = (await submitted.innerText()).slice(0, 1000);
  await page.waitForFunction((b) => !b.disabled, await fetch.elementHandle(), { timeout: 30000 });
  await fetch.click();
  const view = submitted.getByText("(view feedback)");
  await view.waitFor({ timeout: 60000 });
  seen.after = (await submitted.innerText()).slice(0, 1000);
  await page.screenshot({ path: `${shots}/assignment-list.png` });
  await view.click();
  const listed = page.locator(".jp-DirListing-item", { hasText: `${notebook}.html` });
  await listed.waitFor({ timeout: 30000 });
  seen.folder = await page.locator(".jp-FileBrowser .jp-BreadCrumbs").innerText();
  seen.files = await page.locator(".jp-DirListing-item .jp-DirListing-itemText").allInnerTexts();
  await page.screenshot({ path: `${shots}/feedback-fetched.png` });
}

// What a widget output shows: how many ipywidgets DOM nodes, its buttons, its text.
async function widgetView(output) {
  return {
    widgets: await output.locator(".jupyter-widgets").count(),
    buttons: await output.locator("button.widget-button").allInnerTexts(),
    text: (await output.innerText()).slice(0, 2000),
  };
}

// Wait for the kernel, then run the cell at ``index`` (negative: from the end) as a learner would: select it,
// Shift+Enter. (the status bar reads "No Kernel | Initializing", then "Python 3 (ipykernel) | Connecting" …
// "| Idle"; a cell run before that is dropped)
async function runCell(page, index, times = 1) {
  await page.locator(".jp-StatusBar-Widget").getByText(/^(?!No Kernel\b).+ \| Idle$/).waitFor({ timeout: 120000 });
  const cells = page.locator(".jp-Notebook .jp-Cell");
  const cell = index < 0 ? cells.nth((await cells.count()) + index) : cells.nth(index);
  await cell.locator(".jp-InputPrompt").click();
  await page.keyboard.press("Escape");
  for (let i = 0; i < times; i++) await page.keyboard.press("Shift+Enter");
  return cell;
}

async function visitSelfGrade(page, seen) {
  await openNotebook(page, "selfgrade");
  const view = (await runCell(page, -2)).locator(".jp-OutputArea-output").first();
  const next = view.locator("button.widget-button", { hasText: "Next reflection" });
  await next.waitFor({ timeout: 120000 });
  seen.selfGrade = await widgetView(view);
  seen.modelBefore = await view.locator(".widget-html", { hasText: /^Model answer/ }).count();
  for (const level of patternLabel.split(",")) {
    const criterion = await view.locator(".widget-html", { hasText: /^Criterion \d+ of \d+/ }).innerText();
    (seen.criteria ??= []).push(criterion.split("\n")[0]);
    const button = view.locator("button.widget-button", { hasText: new RegExp(`^${level}$`) });
    await page.waitForFunction((b) => !b.disabled, await button.elementHandle(), { timeout: 30000 });
    await button.click();
    await page.waitForFunction(([v, n]) => !/^Criterion/m.test(v.innerText) || v.innerText.includes(`Criterion ${n + 1} `),
                               [await view.elementHandle(), seen.criteria.length], { timeout: 30000 });
  }
  const model = view.locator(".widget-html", { hasText: /^Model answer/ });
  await model.waitFor({ timeout: 30000 });
  seen.result = await view.locator(".widget-html", { hasText: "by your grades (saved)" }).innerText();
  seen.model = await model.innerText();
  await view.screenshot({ path: `${shots}/self-grade.png` });
  await page.waitForFunction((b) => !b.disabled, await next.elementHandle(), { timeout: 30000 });
  await next.click();
  const done = view.locator(".widget-html", { hasText: /^Done: / });
  await done.waitFor({ timeout: 30000 });
  seen.done = await done.innerText();

  const progress = (await runCell(page, -1)).locator(".jp-OutputArea-output").first();
  const table = progress.locator("pre", { hasText: "by hand (own)" });
  await table.waitFor({ timeout: 120000 });
  seen.progressTable = await table.innerText();
  await table.screenshot({ path: `${shots}/progress.png` });
}

async function visitPractice(page, seen) {
  await openNotebook(page, "practice");
  // Run both cells as a learner would, once the kernel is up: select the first, Shift+Enter twice.
  await runCell(page, 0, 2);
  // The practice cell shows two views: the rep timer, then the flashcards.
  const output = (n) => page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-output").nth(n);
  const rep = output(0);
  await rep.locator("button.widget-button", { hasText: "Start" }).waitFor({ timeout: 120000 });
  seen.repTimer = await widgetView(rep);
  await rep.locator(".widget-dropdown select").selectOption({ label: patternLabel });
  await rep.locator("button.widget-button", { hasText: "Start" }).click();
  const stop = rep.locator("button.widget-button", { hasText: "Stop and run tests" });
  await page.waitForFunction((b) => !b.disabled, await stop.elementHandle(), { timeout: 30000 });
  await stop.click();
  const result = rep.locator(".widget-html", { hasText: /tests passed|tests failed|no tests run/ });
  await result.waitFor({ timeout: 60000 });
  seen.repResult = await result.innerText();
  const plot = rep.locator("img.widget-image");  // the pattern's rep times, shown once it has one
  await plot.waitFor({ state: "visible", timeout: 30000 });
  seen.repPlot = await plot.evaluate((img) => img.naturalWidth > 0);
  await rep.screenshot({ path: `${shots}/rep-timer.png` });

  const cards = output(1);
  await cards.locator("button.widget-button", { hasText: "Show answer" }).waitFor({ timeout: 60000 });
  seen.flashcards = await widgetView(cards);
  seen.front = await cards.locator(".widget-html").nth(1).innerText();
  await cards.locator("button.widget-button", { hasText: "Show answer" }).click();
  const back = cards.locator(".widget-html").nth(2);
  await page.waitForFunction((e) => e.innerText.trim() !== "", await back.elementHandle(), { timeout: 30000 });
  seen.back = await back.innerText();
  await cards.screenshot({ path: `${shots}/flashcards.png` });
  const good = cards.locator("button.widget-button", { hasText: "4 good" });
  await page.waitForFunction((b) => !b.disabled, await good.elementHandle(), { timeout: 30000 });
  await good.click();
  const counts = cards.locator(".widget-html", { hasText: "1 answered" });
  await counts.waitFor({ timeout: 30000 });
  seen.counts = await counts.innerText();
  seen.nextFront = await cards.locator(".widget-html").nth(1).innerText();
  await cards.screenshot({ path: `${shots}/flashcards-rated.png` });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const seen = {};
let page;
try {
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const visits = { practice: visitPractice, selfgrade: visitSelfGrade, formgrader: visitFormgrader,
                   feedback: visitFeedback };
  await (visits[visit] ?? visitWeek)(page, seen);
} catch (error) {
  seen.error = String(error).split("\n")[0];
  await page?.screenshot({ path: `${shots}/error.png` }).catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
