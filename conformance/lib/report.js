// Known deviations, summary lines and the README conformance table.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * conformance/known-deviations.json: assertions that are wrong by the RFC and harmful to follow. Each entry names
 * the suite, the assertion (as printed by the runner) and the RFC reason. An entry that no longer fails is stale
 * and reported, so the file cannot silently grow.
 * @returns {{ suite: string, assertion: string, reason: string }[]}
 */
function loadKnownDeviations(file) {
  const entries = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(entries)) throw new Error(`${file} must hold a JSON array`);
  for (const [index, entry] of entries.entries()) {
    for (const key of ['suite', 'assertion', 'reason']) {
      if (typeof entry?.[key] !== 'string' || entry[key].trim() === '') throw new Error(`${file}[${index}] needs a non-empty "${key}"`);
    }
  }
  return entries;
}

/**
 * @param {{ suite: string, title: string, total: number, passed: number, failed: number, skipped: number, deviations: number, note?: string }[]} summaries
 */
function readmeTable(summaries, date, deviations = []) {
  const lines = ['| suite | assertions passed / total | date |', '|---|---|---|'];
  for (const s of summaries) {
    const extra = [s.skipped ? `${s.skipped} skipped (feature not advertised)` : '', s.deviations ? `${s.deviations} known deviation${s.deviations === 1 ? '' : 's'}, see below` : '', s.note ?? '']
      .filter(Boolean)
      .join('; ');
    lines.push(`| ${s.title} | ${s.passed} / ${s.total}${extra ? ` (${extra})` : ''} | ${date} |`);
  }
  if (deviations.length > 0) {
    lines.push('', 'Known deviations (assertions left failing because following them would break RFC 7643/7644):', '');
    for (const entry of deviations) lines.push(`- ${entry.suite}, "${entry.assertion}": ${entry.reason}`);
  }
  return lines.join('\n');
}

const START = '<!-- conformance-table:start -->';
const END = '<!-- conformance-table:end -->';

/** Replaces the table between the markers in README.md; the rest of the file is left as it is. */
function updateReadme(readmePath, table) {
  const text = fs.readFileSync(readmePath, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1 || end < start) throw new Error(`${path.basename(readmePath)} has no ${START} … ${END} markers`);
  fs.writeFileSync(readmePath, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`);
}

/**
 * Known deviations that did not fail in this run. Only suites that actually ran can make one stale: a suite whose
 * file was missing (or that was left out with --only) says nothing about its entries.
 * @param {{ suite: string, assertion: string }[]} deviations @param {Set<object>} used @param {string[]} ranSuites
 */
function staleDeviations(deviations, used, ranSuites) {
  return deviations.filter((entry) => !used.has(entry) && ranSuites.includes(entry.suite));
}

module.exports = { loadKnownDeviations, readmeTable, updateReadme, staleDeviations };
