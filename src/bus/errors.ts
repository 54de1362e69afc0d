/** Errors the bus throws at configuration time (creating entities, declaring parameters). */

export type BusErrorCode =
  | 'INVALID_NAME'
  | 'INVALID_ARGUMENT'
  | 'NAME_TAKEN'
  | 'DESTROYED'
  | 'REENTRANT'
  | 'LIVELOCK'
  | 'PARAMETER_INVALID'
  | 'SERVICE_UNAVAILABLE'
  | 'SERVICE_FAILED'
  | 'TIMEOUT';

/** A bus error with a stable code and the entity (topic, node, parameter) it concerns. */
export class BusError extends Error {
  readonly code: BusErrorCode;
  readonly entity: string;

  constructor(code: BusErrorCode, entity: string, message: string, options?: { cause?: unknown }) {
    super(`${entity}: ${message}`, options);
    this.name = 'BusError';
    this.code = code;
    this.entity = entity;
  }
}
