/** Small DOM helpers shared by the panels' views. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  if (text !== undefined) created.textContent = text;
  return created;
}

/** A titled box holding one canvas, for one chart. */
export function chartBox(title: string, canvasId: string, ariaLabel: string, className = 'chart-box'): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const box = element('section', 'chart-section');
  const heading = element('h2', undefined, title);
  const holder = element('div', className);
  const canvas = element('canvas');
  canvas.id = canvasId;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', ariaLabel);
  holder.append(canvas);
  box.append(heading, holder);
  return { box, canvas };
}

/** A table row holding `cells`. */
export function tableRow(...cells: HTMLTableCellElement[]): HTMLTableRowElement {
  const row = element('tr');
  row.append(...cells);
  return row;
}

/** A row of a key/value table: the key as its header cell. */
export function keyValueRow(key: string, value: string): HTMLTableRowElement {
  return tableRow(element('th', undefined, key), element('td', undefined, value));
}

/** Replaces what `table` holds with a head row of `headCells` and a body of `rows`. */
export function fillTable(table: HTMLTableElement, headCells: HTMLTableCellElement[], rows: HTMLTableRowElement[]): void {
  const head = element('thead');
  head.append(tableRow(...headCells));
  const body = element('tbody');
  body.append(...rows);
  table.replaceChildren(head, body);
}
