import type { ResourceType } from './resources.js';
import { qualifiedResource } from './resources.js';

/** A metav1.Status failure, the body every apiserver error carries. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

export class StatusError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: StatusBody['details']) {
    super(message);
  }
  toBody(): StatusBody {
    const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) body.details = this.details;
    return body;
  }
}

const details = (t: ResourceType, name?: string) => ({ ...(name !== undefined ? { name } : {}), ...(t.group ? { group: t.group } : {}), kind: t.resource });

export const notFound = (t: ResourceType, name: string) =>
  new StatusError(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, details(t, name));
export const alreadyExists = (t: ResourceType, name: string) =>
  new StatusError(409, 'AlreadyExists', `${qualifiedResource(t)} "${name}" already exists`, details(t, name));
export const conflict = (t: ResourceType, name: string) =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, details(t, name));
export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);
export const invalid = (t: ResourceType, name: string, causes: string[]) =>
  new StatusError(422, 'Invalid', `${t.kind} "${name}" is invalid: ${causes.join(', ')}`, { name, ...(t.group ? { group: t.group } : {}), kind: t.kind });
export const unauthorized = () => new StatusError(401, 'Unauthorized', 'Unauthorized');
export const pathNotFound = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource');
export const methodNotSupported = (message: string) => new StatusError(405, 'MethodNotAllowed', message);
