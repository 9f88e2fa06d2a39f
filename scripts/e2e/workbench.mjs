// Drives the VS Code web workbench that code-server serves, with playwright-core and Debian's
// Chromium: open a folder, run a palette command, find a webview's frame, read a canvas back.
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH } from './prerequisites.mjs';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A Chromium with a fresh profile in `userDataDir`; the owner closes it at the end. */
export async function launchBrowser({ owner, userDataDir, env }) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    env,
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  });
  owner.onStop('chromium', () => context.close());
  return context;
}

export function folderUrl(baseUrl, folder, extraQuery = '') {
  return `${baseUrl}/?folder=${encodeURIComponent(folder)}${extraQuery}`;
}

/** Waits for the workbench to be up: activity bar and status bar drawn, extensions read. */
export async function waitForWorkbench(page, timeoutMs = 90_000) {
  await page.waitForSelector('.monaco-workbench .part.activitybar', { state: 'visible', timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench .part.statusbar', { state: 'visible', timeout: timeoutMs });
}

/**
 * Runs `title` from the command palette: F1, type, Enter. A welcome page or notification can
 * take the focus from the palette while it opens, so each attempt starts from Escape.
 */
export async function runPaletteCommand(page, title, { attempts = 4, isDone } = {}) {
  let lastError;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      await page.keyboard.press('Escape');
      await page.locator('.part.editor').click({ position: { x: 30, y: 30 }, timeout: 5000 }).catch(() => {});
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      if ((await input.inputValue()) !== `>${title}`) throw new Error('the palette lost what was typed');
      // The filter also matches other commands ("Train..." matches "Train with Cross-Entropy"),
      // which may come first: move down to the row whose label is the title itself.
      const focusedLabel = () => page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name').first().innerText().catch(() => '');
      for (let step = 0; (await focusedLabel()).trim() !== title; step += 1) {
        if (step >= 10) throw new Error(`no palette row is labelled "${title}"`);
        await page.keyboard.press('ArrowDown');
      }
      await page.keyboard.press('Enter');
      if (!isDone) return;
      await isDone();
      return;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`could not run "${title}" from the palette after ${attempts} attempts: ${lastError?.message}`);
}

/** Evaluates `fn` in every frame of the page; returns the first frame where it gave a truthy value. */
export async function findFrame(page, fn, arg) {
  for (const frame of page.frames()) {
    try {
      if (await frame.evaluate(fn, arg)) return frame;
    } catch {
      // a frame that is navigating or detached: try the others
    }
  }
  return undefined;
}

/** Polls until `probe` returns a truthy value; returns it, or throws `what` after `timeoutMs`. */
export async function waitUntil(probe, what, timeoutMs = 30_000, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${lastError.message})` : ''}`);
}

/** In the page: how many pixels of the canvas `selector` are not fully transparent. */
export function paintedPixelsInFrame(selector) {
  const canvas = document.querySelector(selector);
  if (!(canvas instanceof HTMLCanvasElement) || canvas.width === 0 || canvas.height === 0) return 0;
  const context = canvas.getContext('2d');
  if (!context) return 0;
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let alpha = 3; alpha < data.length; alpha += 4) if (data[alpha] !== 0) painted += 1;
  return painted;
}

/**
 * Finds the webview frame that holds `selector` and whose page text includes `text`, and waits
 * until its canvas has drawn pixels. Webviews sit in nested iframes; every frame is searched.
 */
export async function waitForDrawnCanvas(page, selector, text, timeoutMs = 45_000) {
  return waitUntil(
    async () => {
      const frame = await findFrame(
        page,
        (wanted) => Boolean(document.querySelector(wanted.selector)) && (document.body?.textContent ?? '').includes(wanted.text),
        { selector, text },
      );
      if (!frame) return undefined;
      const painted = await frame.evaluate(paintedPixelsInFrame, selector);
      return painted > 0 ? { frame, painted } : undefined;
    },
    `a webview showing "${text}" whose canvas ${selector} has drawn pixels`,
    timeoutMs,
  );
}

/**
 * Waits until the list `selector` (a tree view's rows) has not changed for `quietMs`: no row
 * added, removed or redrawn. A MutationObserver in the page stamps each change; the wait ends
 * `quietMs` after the last one. Right-clicking a row of a tree that is still redrawing can open
 * a context menu on a row that is about to be replaced.
 */
export async function waitForQuietList(page, selector, { quietMs = 1500, timeoutMs = 60_000 } = {}) {
  const list = page.locator(selector).first();
  await list.waitFor({ state: 'attached', timeout: timeoutMs });
  await list.evaluate((element) => {
    if (element.__oodLensQuiet) return;
    element.__oodLensQuiet = { lastChange: Date.now() };
    new MutationObserver(() => {
      element.__oodLensQuiet.lastChange = Date.now();
    }).observe(element, { childList: true, subtree: true, characterData: true });
  });
  let quietFor = 0;
  await waitUntil(async () => {
    quietFor = await list.evaluate((element) => Date.now() - element.__oodLensQuiet.lastChange);
    return quietFor >= quietMs;
  }, `the list ${selector} to stay unchanged for ${quietMs} ms`, timeoutMs, 200);
  return quietFor;
}

/** Waits until the quick-input widget shows a title containing `text`. */
export function quickPickTitled(page, text, timeout = 20_000) {
  return page.locator('.quick-input-widget .quick-input-title', { hasText: text }).first().waitFor({ state: 'visible', timeout });
}

/**
 * Accepts the default (first) item of the quick pick titled `title` with Enter, once the widget
 * has its input focused and an active row: an Enter pressed while one quick pick hands over to
 * the next can be lost. Then waits for `nextTitle` (or for the widget to close); if the same
 * question is still showing after a while, the Enter was lost: press it again.
 */
export function acceptQuickPick(page, title, nextTitle, timeout = 30_000) {
  return answerQuickInput(page, title, { nextTitle, timeout });
}

/**
 * Answers the quick input titled `title`: types `text` first when given (a quick pick filters its
 * rows, and then the focused row must be `text` itself; an input box takes it as its value), then
 * Enter, as acceptQuickPick does. `inputBox`: the question is an input box (no rows).
 */
export async function answerQuickInput(page, title, { text, nextTitle, inputBox = false, timeout = 30_000 } = {}) {
  const titleLocator = page.locator('.quick-input-widget .quick-input-title', { hasText: title }).first();
  await titleLocator.waitFor({ state: 'visible', timeout });
  const startedAt = Date.now();
  let refocused = false;
  await waitUntil(
    async () => {
      // Something else may hold the focus (a webview that just loaded): after 3 s, give it back to the input.
      if (!refocused && Date.now() - startedAt > 3000) {
        refocused = true;
        const holder = await page.evaluate(() => {
          const active = document.activeElement;
          return active ? `${active.tagName.toLowerCase()}${active.className ? `.${String(active.className).split(' ').join('.')}` : ''}` : 'nothing';
        });
        console.log(`[e2e] the quick input "${title}" is not focused (${holder} is): focusing its input`);
        await page.locator('.quick-input-widget .quick-input-box input').first().focus();
      }
      return page.evaluate((wantsRow) => {
        const widget = document.querySelector('.quick-input-widget');
        const input = widget?.querySelector('.quick-input-box input');
        if (!input || document.activeElement !== input) return false;
        // A single pick activates its first row; a multi-select one accepts its checked rows.
        return wantsRow ? Boolean(widget.querySelector('.quick-input-list .monaco-list-row')) : true;
      }, !inputBox);
    },
    `the quick input "${title}" to have its input focused${inputBox ? '' : ' and a row to accept'}`,
    timeout,
    100,
  );
  if (text !== undefined) {
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(text);
    if (!inputBox) {
      // The filter may keep other rows ("mnist" keeps "fashion-mnist") and focus one of them: move to the row labelled `text`.
      const focusedLabel = async () => (await page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name').first().innerText().catch(() => '')).trim();
      await waitUntil(async () => (await focusedLabel()) !== '', `the quick pick "${title}" to focus a row`, timeout, 100);
      for (let step = 0; (await focusedLabel()) !== text; step += 1) {
        if (step >= 10) throw new Error(`the quick pick "${title}" has no row labelled "${text}" (focused: "${await focusedLabel()}")`);
        await page.keyboard.press('ArrowDown');
      }
    } else {
      await waitUntil(async () => (await input.inputValue()) === text, `the input box "${title}" to hold "${text}"`, timeout, 100);
    }
  }
  const advanced = nextTitle
    ? () => page.locator('.quick-input-widget .quick-input-title', { hasText: nextTitle }).first().isVisible()
    : async () => !(await titleLocator.isVisible());
  for (let attempt = 1; ; attempt += 1) {
    await page.keyboard.press('Enter');
    try {
      await waitUntil(advanced, nextTitle ? `the quick pick "${nextTitle}"` : `the quick pick "${title}" to close`, attempt < 3 ? 8000 : timeout, 100);
      return;
    } catch (error) {
      if (attempt >= 3 || !(await titleLocator.isVisible())) throw error;
    }
  }
}
