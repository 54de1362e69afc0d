/**
 * ROS 2 name rules: node names, namespaces, and topic/service name expansion (`~` private names,
 * relative names), as rcl applies them.
 */

const TOKEN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` is not a valid node name, or null. */
export function nodeNameProblem(name: string): string | null {
  if (name.length === 0) return 'node name is empty';
  if (!TOKEN.test(name)) return `node name '${name}' must be letters, digits and '_', not starting with a digit`;
  return null;
}

/** '' and '/' → '/'; 'a/b' → '/a/b'. Throws nothing; check with `namespaceProblem`. */
export function normalizeNamespace(ns: string): string {
  if (ns === '' || ns === '/') return '/';
  return ns.startsWith('/') ? ns : `/${ns}`;
}

/** Why a normalized namespace is invalid, or null. */
export function namespaceProblem(ns: string): string | null {
  if (ns === '/') return null;
  if (ns.endsWith('/')) return `namespace '${ns}' must not end with '/'`;
  const tokens = ns.slice(1).split('/');
  for (const t of tokens) {
    if (!TOKEN.test(t)) return `namespace '${ns}' has an invalid token '${t}'`;
  }
  return null;
}

function join(base: string, rest: string): string {
  return base === '/' ? `/${rest}` : `${base}/${rest}`;
}

/**
 * Expands a topic or service name for a node: `/x` stays, `x` → `<ns>/x`, `~` → `<ns>/<node>`,
 * `~/x` → `<ns>/<node>/x`. Returns the fully qualified name or a problem.
 */
export function expandName(
  name: string,
  namespace: string,
  nodeName: string,
): { ok: true; name: string } | { ok: false; problem: string } {
  if (name.length === 0) return { ok: false, problem: 'name is empty' };
  let full: string;
  if (name === '~') full = join(namespace, nodeName);
  else if (name.startsWith('~/')) full = join(join(namespace, nodeName), name.slice(2));
  else if (name.startsWith('~')) return { ok: false, problem: `'${name}': '~' must be followed by '/'` };
  else if (name.startsWith('/')) full = name;
  else full = join(namespace, name);
  if (full.endsWith('/') && full !== '/') return { ok: false, problem: `'${name}' must not end with '/'` };
  const tokens = full.slice(1).split('/');
  for (const t of tokens) {
    if (t.length === 0) return { ok: false, problem: `'${name}' has an empty token ('//')` };
    if (!TOKEN.test(t)) return { ok: false, problem: `'${name}' has an invalid token '${t}'` };
  }
  return { ok: true, name: full };
}
