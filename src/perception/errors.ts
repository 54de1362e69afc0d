/** Configure-time errors of perception: every problem with its dotted path, thrown once. */

export interface ConfigIssue {
  path: string;
  message: string;
}

export class PerceptionConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(`perception configuration is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'PerceptionConfigError';
    this.issues = issues;
  }
}

/** Throws a PerceptionConfigError when `issues` is not empty. */
export function throwIfIssues(issues: readonly ConfigIssue[]): void {
  if (issues.length > 0) throw new PerceptionConfigError(issues);
}
