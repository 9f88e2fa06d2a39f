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

const QUICK_INPUT_BOX = '.quick-input-widget .quick-input-box input';

/**
 * What holds the keyboard focus in the workbench page: 'quick-input' (the palette's input box),
 * 'webview' (an iframe: a webview panel or view), 'body' (nothing), or the element's tag and
 * classes. A webview asked to take the focus takes it a moment later, once its iframe has loaded
 * and answered: that late focus closes a quick input opened in between.
 */
export function focusHolder(page) {
  return page.evaluate(() => {
    const active = document.activeElement;
    if (!active || active === document.body) return 'body';
    if (active.matches('.quick-input-widget .quick-input-box input')) return 'quick-input';
    if (active.tagName === 'IFRAME') return 'webview';
    return `${active.tagName.toLowerCase()}${active.className ? `.${String(active.className).trim().split(/\s+/).join('.')}` : ''}`;
  });
}

/**
 * Waits until the same element has held the focus for `quietMs` (a webview that was just shown
 * takes the focus a little after it is drawn); returns the holder. Gives up quietly after
 * `timeoutMs`: a focus that keeps moving is the palette's retry loop's business.
 */
export async function waitForSettledFocus(page, { quietMs = 700, timeoutMs = 8000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let holder = await focusHolder(page);
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await focusHolder(page);
    if (now !== holder) {
      holder = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      break;
    }
  }
  return holder;
}

/** Closes whatever quick input is open (Escape while it is visible), so F1 starts afresh. */
async function closeQuickInput(page) {
  const widget = page.locator('.quick-input-widget').first();
  for (let attempt = 0; attempt < 3 && (await widget.isVisible().catch(() => false)); attempt += 1) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 2000 }).catch(() => {});
  }
}

/** Whether the quick input is open, its input focused, and (when given) holding `value`. */
function quickInputReady(page, value) {
  return page.evaluate(
    ({ selector, wanted }) => {
      const input = document.querySelector(selector);
      if (!(input instanceof HTMLInputElement) || document.activeElement !== input) return false;
      if (!input.closest('.quick-input-widget')?.checkVisibility()) return false;
      return wanted === null || input.value === wanted;
    },
    { selector: QUICK_INPUT_BOX, wanted: value ?? null },
  );
}

/** Polls `probe` every 100 ms for up to `timeoutMs`; whether it came true. */
async function becomes(probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs `title` from the command palette as a person does: F1, type, check the highlighted row is
 * the command, Enter. Before each step it checks that the palette is still open and holds the
 * keyboard; when something else took the focus (a webview that finished loading, a notification)
 * the palette has closed, and it is opened again: the command has not run yet, so this is safe.
 * Enter is pressed only with the palette focused on the right row. `isDone` then waits for the
 * command's effect; when it does not come, the command is run again only when the palette is
 * back to showing nothing (the Enter was lost), at most `enterAttempts` times in all.
 * `log` hears about each recovery and what held the focus.
 */
export async function runPaletteCommand(page, title, { isDone, enterAttempts = 2, timeoutMs = 90_000, log = () => {} } = {}) {
  const deadline = Date.now() + timeoutMs;
  const typed = `>${title}`;
  const input = page.locator(QUICK_INPUT_BOX).first();
  const focusedLabel = () => page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name').first().innerText({ timeout: 1000 }).then((text) => text.trim()).catch(() => '');
  let entered = 0;
  let reopened = 0;
  let lastProblem = '';
  const reopen = async (problem) => {
    reopened += 1;
    lastProblem = `${problem} (focus on ${await focusHolder(page).catch(() => '?')})`;
    log(`palette "${title}": ${lastProblem}; opening it again`);
  };
  while (Date.now() < deadline) {
    await closeQuickInput(page);
    await waitForSettledFocus(page);
    await page.keyboard.press('F1');
    if (!(await becomes(() => quickInputReady(page), 5000))) {
      await reopen('F1 did not give the palette the keyboard');
      continue;
    }
    const filled = await input.fill(typed, { timeout: 2000 }).then(() => true, () => false);
    if (!filled || !(await becomes(() => quickInputReady(page, typed), 2000))) {
      await reopen('the palette closed or lost the text while it was typed');
      continue;
    }
    // The filter also matches other commands ("Train..." matches "Train with Cross-Entropy"),
    // which may come first: move down to the row whose label is the title itself.
    let onRow = await becomes(async () => (await focusedLabel()) !== '', 10_000);
    for (let step = 0; onRow && (await focusedLabel()) !== title; step += 1) {
      if (step >= 12 || !(await quickInputReady(page, typed))) {
        onRow = false;
        break;
      }
      await page.keyboard.press('ArrowDown');
    }
    if (!onRow) {
      if (await quickInputReady(page, typed)) throw new Error(`no palette row is labelled "${title}" (the highlighted one: "${await focusedLabel()}")`);
      await reopen('the palette closed before its row was highlighted');
      continue;
    }
    if (!(await quickInputReady(page, typed))) {
      await reopen('the palette lost the keyboard just before Enter');
      continue;
    }
    await page.keyboard.press('Enter');
    entered += 1;
    if (reopened > 0) log(`palette "${title}": ran after ${reopened} reopening(s)`);
    if (!isDone) return;
    try {
      await isDone();
      return;
    } catch (error) {
      const paletteStillHasIt = await quickInputReady(page, typed).catch(() => false);
      const shown = await page.locator('.quick-input-widget .quick-input-title').first().innerText({ timeout: 1000 }).catch(() => '');
      const evidence = `focus on ${await focusHolder(page).catch(() => '?')}${shown ? `, the quick input shows "${shown}"` : ', no quick input open'}`;
      if (entered >= enterAttempts || Date.now() >= deadline) throw new Error(`${error.message} (${evidence})`);
      lastProblem = `the command showed no effect (${error.message.split('\n')[0]}; ${evidence})${paletteStillHasIt ? '; the palette still held it: Enter was lost' : ''}`;
      log(`palette "${title}": ${lastProblem}; running it again`);
    }
  }
  throw new Error(`could not run "${title}" from the palette within ${timeoutMs / 1000} s: ${lastProblem || 'no attempt got through'}`);
}

/**
 * The editor tabs the workbench shows: each tab's label and whether it is the active one.
 */
function shownTabs(page) {
  return page.evaluate(() => Array.from(document.querySelectorAll('.part.editor .tabs-container .tab')).map((tab) => ({
    label: (tab.querySelector('.label-name')?.textContent ?? tab.getAttribute('aria-label') ?? '').trim(),
    active: tab.classList.contains('active'),
  })));
}

/**
 * The editors the workbench has stored for this folder in the browser (its IndexedDB state,
 * key 'memento/workbench.parts.editor', which a reload restores from): every editor's
 * serialized form, and the active group's most recent one. Undefined where nothing is stored.
 */
function storedEditors(page) {
  return page.evaluate(async () => {
    const request = (r) => new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const names = (await indexedDB.databases()).map((d) => d.name ?? '')
      .filter((name) => name.startsWith('vscode-web-state-db-') && !name.startsWith('vscode-web-state-db-global'));
    for (const name of names) {
      const db = await request(indexedDB.open(name));
      try {
        if (!db.objectStoreNames.contains('ItemTable')) continue;
        const raw = await request(db.transaction('ItemTable', 'readonly').objectStore('ItemTable').get('memento/workbench.parts.editor'));
        if (typeof raw !== 'string') continue;
        const parsed = JSON.parse(raw);
        const memento = parsed['editorpart.state'] ?? parsed;
        const groups = [];
        const walk = (node) => {
          if (!node) return;
          if (node.type === 'leaf') groups.push(node.data);
          else if (Array.isArray(node.data)) node.data.forEach(walk);
        };
        walk(memento.serializedGrid?.root);
        const all = groups.flatMap((group) => (group.editors ?? []).map((editor) => String(editor.value ?? '')));
        const active = groups.find((group) => group.id === memento.activeGroup) ?? groups[0];
        const mostRecent = active?.editors?.[active.mru?.[0] ?? 0]?.value;
        return { database: name, all, active: mostRecent === undefined ? undefined : String(mostRecent) };
      } finally {
        db.close();
      }
    }
    return undefined;
  });
}

/**
 * Waits until the workbench has stored the editors it shows (the OOD Lens panels among its tabs,
 * and which one is active). The web workbench writes its state to IndexedDB every few seconds
 * when idle; the write it starts while the page unloads may be cut off. A reload soon after a
 * panel opened could therefore restore an older tab list (seen: a panel opened 5 s before the
 * reload was missing, and another tab was active). A person's reload minutes later never sees
 * that; the harness waits for the stored state instead of a fixed sleep.
 */
export async function waitForStoredEditors(page, { timeoutMs = 45_000, log = () => {} } = {}) {
  const startedAt = Date.now();
  const inValue = (value, label) => value.includes(JSON.stringify(label).slice(1, -1));
  let problem = 'nothing read yet';
  while (Date.now() - startedAt < timeoutMs) {
    const tabs = (await shownTabs(page)).filter((tab) => tab.label.startsWith('OOD Lens'));
    const stored = await storedEditors(page).catch((error) => ({ error: String(error) }));
    if (stored === undefined) {
      problem = 'no stored editor state';
    } else if (stored.error) {
      problem = `reading the stored state failed: ${stored.error}`;
    } else {
      const missing = tabs.filter((tab) => !stored.all.some((value) => inValue(value, tab.label)));
      const active = tabs.find((tab) => tab.active);
      const titles = stored.all.map((value) => /"title":"([^"]*)"/.exec(value)?.[1] ?? value.slice(0, 60));
      if (missing.length) problem = `${stored.database} holds ${stored.all.length} editors (${titles.join(' | ')}), not ${missing.map((tab) => `"${tab.label}"`).join(', ')}`;
      else if (active && !inValue(stored.active ?? '', active.label)) problem = `stored state has another active editor than "${active.label}"`;
      else {
        log(`workbench state stored (${tabs.length} OOD Lens tabs${active ? `, "${active.label}" active` : ''}) after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the workbench did not store its open editors within ${timeoutMs / 1000} s (${problem}); a reload would restore an older tab list`);
}

/**
 * "Developer: Reload Window" from the palette, once the workbench has stored its open editors,
 * then waits for the new workbench: the old page's marker gone (a new document), activity bar,
 * status bar and the OOD Lens entry drawn. It does not wait for the page's `load` event, which a
 * reload can fire before a listener is attached.
 */
export async function reloadWindow(page, { timeoutMs = 120_000, log = () => {} } = {}) {
  await waitForStoredEditors(page, { log });
  const startedAt = Date.now();
  const marker = `reload-${startedAt}`;
  await page.evaluate((value) => {
    window.__oodLensReloadMarker = value;
  }, marker);
  const newDocument = async () => (await page.evaluate(() => window.__oodLensReloadMarker).catch(() => marker)) !== marker;
  await runPaletteCommand(page, 'Developer: Reload Window', {
    log,
    enterAttempts: 1,
    isDone: async () => {
      if (!(await becomes(newDocument, 60_000))) throw new Error('the page did not reload within 60 s');
    },
  });
  const left = Math.max(10_000, timeoutMs - (Date.now() - startedAt));
  await waitForWorkbench(page, left);
  await page.locator('.part.activitybar [aria-label^="OOD Lens"]').first().waitFor({ state: 'visible', timeout: left });
  log(`reloaded in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
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

/** In the page: the painted-pixel count of every canvas matching `selector`, in document order. */
export function paintedPixelsOfEach(selector) {
  return Array.from(document.querySelectorAll(selector)).map((canvas) => {
    const context = canvas.getContext('2d');
    if (!context || canvas.width === 0 || canvas.height === 0) return 0;
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let alpha = 3; alpha < data.length; alpha += 4) if (data[alpha] !== 0) painted += 1;
    return painted;
  });
}

/** How many pixels of the first canvas matching `selector` in `frame` are painted (0: none there). */
export async function paintedPixels(frame, selector) {
  return (await frame.evaluate(paintedPixelsOfEach, selector))[0] ?? 0;
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
      const painted = await paintedPixels(frame, selector);
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
