/** The parameter system: schema, loading, live changes, ROS descriptors, docs. */
export { listParameters, paramInfo, parameterNames, groupNames, isGroupName } from './catalog.ts';
export { renderParametersMarkdown, formatRange, PARAMETERS_DOC_PATH, REGENERATE_COMMAND } from './docs.ts';
export { ConfigError } from './errors.ts';
export type { ConfigProblem, ProblemCode } from './errors.ts';
export { ParameterStore } from './live.ts';
export type { CommitListener, ConfigSnapshot, ParameterStoreOptions, ProposeResult } from './live.ts';
export {
  DEFAULT_NODE_NAME,
  fullyQualifiedName,
  loadConfig,
  nodeMatches,
  parseOverrideArgs,
  readParameterText,
  resolveConfig,
  sectionsForNode,
} from './load.ts';
export type { LoadConfigOptions, ParameterSection, ParameterText } from './load.ts';
export { param, paramRegistry, listSchemaParameters } from './param.ts';
export type { ParamInfo, ParamMeta, ParamType, ParamValue } from './param.ts';
export { deepFreeze, flattenConfig, getAt, unflatten } from './paths.ts';
export type { DeepReadonly } from './paths.ts';
export { ParameterType, parameterDescriptors, toParameterDescriptor } from './ros-descriptors.ts';
export type { FloatingPointRange, IntegerRange, ParameterDescriptor } from './ros-descriptors.ts';
export { crossFieldIssues } from './cross-field.ts';
export type { CrossFieldIssue } from './cross-field.ts';
export {
  configSchema,
  defaultConfig,
  parameterTreeSchema,
  ENCODER_KINDS,
  EXECUTION_PROVIDERS,
  NORM_KINDS,
  PLANNER_NAMES,
  WORLD_MODEL_KINDS,
} from './schema.ts';
export type { OdraConfig } from './schema.ts';
export { suggestName } from './suggest.ts';
export { normalizeInput, validateParameters } from './validate.ts';
export type { ValidationResult } from './validate.ts';
