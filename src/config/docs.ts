/** The parameter reference (docs/parameters.md), generated from the schema. */
import { listParameters } from './catalog.ts';
import type { ParamInfo, ParamValue } from './param.ts';

export const PARAMETERS_DOC_PATH = 'docs/parameters.md';
export const REGENERATE_COMMAND = 'npm run docs:params';

const COLUMNS = ['name', 'type', 'default', 'range', 'units', 'live', 'description'];

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function formatValue(v: ParamValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    const items = v as readonly (string | number | boolean)[];
    return `[${items.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ')}]`;
  }
  return String(v);
}

/** Interval notation: `[2, 128]`, `(0, 1]`, `≥ 0`, `> 0`; enums list their values. */
export function formatRange(info: ParamInfo): string {
  const each = info.type.endsWith('_array') ? 'each ' : '';
  if (info.enum) return `${each}one of ${info.enum.map((e) => `\`${e}\``).join(', ')}`;
  const { min, max } = info;
  if (min !== undefined && max !== undefined) {
    return `${each}${info.minExclusive ? '(' : '['}${min}, ${max}${info.maxExclusive ? ')' : ']'}`;
  }
  if (min !== undefined) return `${each}${info.minExclusive ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `${each}${info.maxExclusive ? '<' : '≤'} ${max}`;
  return '—';
}

function row(p: ParamInfo): string {
  const description = p.constraints ? `${p.description} *Constraint: ${p.constraints}.*` : p.description;
  return `| ${[
    `\`${p.name}\``,
    p.type,
    `\`${formatValue(p.default)}\``,
    formatRange(p),
    p.units || '—',
    p.live ? 'live' : 'read-only',
    description,
  ]
    .map(cell)
    .join(' | ')} |`;
}

/** The whole Markdown document: one table per top-level group, in declaration order. */
export function renderParametersMarkdown(params: readonly ParamInfo[] = listParameters()): string {
  const lines: string[] = [
    '# odra parameters',
    '',
    `<!-- Generated from src/config/schema.ts by \`${REGENERATE_COMMAND}\`; do not edit by hand. -->`,
    '',
    'Every entry is a ROS 2 parameter of the agent node (`odra_agent`), named by its dotted path; the same',
    'names are the keys of the parameter files in `config/` and of command-line overrides (`name:=value`).',
    '',
    '- **live**: can be changed while running (`ros2 param set`, rqt_reconfigure, Foxglove). A change is',
    '  validated first (refused with the reasons) and applied at the next control tick, all at once.',
    '- **read-only**: topology, fixed at start-up; set it in the parameter file or on the command line.',
    '',
    'Ranges use interval notation: `[a, b]` includes both ends, `(a, b]` excludes `a`. Empty arrays mean "none"',
    'unless the description says otherwise. Units `1` mean dimensionless.',
    '',
  ];
  const groupOf = (p: ParamInfo | undefined): string | undefined => p?.name.split('.')[0];
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const group = groupOf(p);
    if (group !== groupOf(params[i - 1])) {
      lines.push(`## ${group}`, '', `| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---|').join('')}`);
    }
    lines.push(row(p));
    if (group !== groupOf(params[i + 1])) lines.push('');
  }
  return lines.join('\n');
}
