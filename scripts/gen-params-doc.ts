/**
 * Writes docs/parameters.md from the parameter schema (`npm run docs:params`).
 * With --check, writes nothing and exits 1 when the committed file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PARAMETERS_DOC_PATH, REGENERATE_COMMAND, renderParametersMarkdown } from '../src/config/docs.ts';

const text = renderParametersMarkdown();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(PARAMETERS_DOC_PATH, 'utf8');
  } catch {
    // a missing file is simply out of date
  }
  if (current !== text) {
    console.error(`${PARAMETERS_DOC_PATH} is out of date: run \`${REGENERATE_COMMAND}\``);
    process.exit(1);
  }
} else {
  writeFileSync(PARAMETERS_DOC_PATH, text);
  console.log(`wrote ${PARAMETERS_DOC_PATH}`);
}
