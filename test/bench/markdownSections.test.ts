import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withSection } from '../../src/bench/markdownSections';

test('a section is appended once, then replaced in place, leaving the rest of the file alone', () => {
  const first = withSection('# Results\n', 'speed', '| a |\n');
  assert.match(first, /^# Results\n\n<!-- begin speed .*-->\n\| a \|\n<!-- end speed -->\n$/);
  const both = withSection(first, 'replicate', 'tables');
  const replaced = withSection(both, 'speed', '| b |');
  assert.equal(replaced, both.replace('| a |', '| b |'));
  assert.equal(replaced.match(/begin speed/g)?.length, 1);
  assert.ok(replaced.indexOf('begin speed') < replaced.indexOf('begin replicate'), 'order kept');
  assert.equal(withSection('', 'x', 'body'), '<!-- begin x (written by npm run bench; edits inside are overwritten) -->\nbody\n<!-- end x -->\n');
});
