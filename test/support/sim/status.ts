/**
 * Status objects shaped (field order included) as k8s.io/apimachinery's apierrors builds them and
 * the API server encodes them.
 */

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: {reason?: string; message?: string; field?: string}[];
  retryAfterSeconds?: number;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export interface GroupResource {
  readonly group: string;
  /** The resource (plural), without subresource. */
  readonly resource: string;
}

function status(code: number, reason: string, message: string, details?: StatusDetails): KubeStatus {
  const s: KubeStatus = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code};
  if (details) {
    // Field order of metav1.StatusDetails; empty fields are omitted.
    const d: StatusDetails = {};
    if (details.name) d.name = details.name;
    if (details.group) d.group = details.group;
    if (details.kind) d.kind = details.kind;
    if (details.causes?.length) d.causes = details.causes;
    if (details.retryAfterSeconds) d.retryAfterSeconds = details.retryAfterSeconds;
    // `details` must come before `code` in the encoding.
    return {kind: s.kind, apiVersion: s.apiVersion, metadata: s.metadata, status: s.status, message, reason, details: d, code};
  }
  return s;
}

/** `resource.group`, or `resource` for the core group. */
export function groupResourceString(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export function notFound(gr: GroupResource, name: string): KubeStatus {
  return status(404, 'NotFound', `${groupResourceString(gr)} "${name}" not found`, {name, group: gr.group, kind: gr.resource});
}

/** The handler chain's 404 for a path nothing serves (unknown group, version, resource). */
export function pathNotFound(): KubeStatus {
  return status(404, 'NotFound', 'the server could not find the requested resource', {});
}

export interface ForbiddenAttributes {
  readonly user: string;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** RBAC's denial, as responsewriters.Forbidden words it. */
export function forbidden(a: ForbiddenAttributes): KubeStatus {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const why = `User "${a.user}" cannot ${a.verb} resource "${resource}" in API group "${a.group}" ${scope}`;
  const gr = groupResourceString({group: a.group, resource: a.resource});
  const message = a.name ? `${gr} "${a.name}" is forbidden: ${why}` : `${gr} is forbidden: ${why}`;
  return status(403, 'Forbidden', message, {name: a.name, group: a.group, kind: a.resource});
}

export function unauthorized(): KubeStatus {
  return status(401, 'Unauthorized', 'Unauthorized');
}

export function badRequest(message: string): KubeStatus {
  return status(400, 'BadRequest', message);
}

export function methodNotAllowed(): KubeStatus {
  return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

export function notAcceptable(): KubeStatus {
  return status(406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
}

export function unsupportedMediaType(accepted: readonly string[]): KubeStatus {
  return status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

export function invalid(gr: GroupResource, kind: string, name: string, causes: {field: string; message: string}[]): KubeStatus {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `${kind} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
  return status(422, 'Invalid', message, {name, group: gr.group, kind, causes: causes.map((c) => ({reason: 'FieldValueInvalid', message: c.message, field: c.field}))});
}

export function conflict(gr: GroupResource, name: string, why: string): KubeStatus {
  return status(409, 'Conflict', `Operation cannot be fulfilled on ${groupResourceString(gr)} "${name}": ${why}`, {name, group: gr.group, kind: gr.resource});
}

/** The continue token outlived etcd's compaction. */
export function expired(): KubeStatus {
  return status(
    410,
    'Expired',
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
  );
}

export function internalError(message: string): KubeStatus {
  return status(500, 'InternalError', `Internal error occurred: ${message}`, {causes: [{message}]});
}

/** Any status code, as NewGenericServerResponse words it (used by faults). */
export function generic(code: number): KubeStatus {
  switch (code) {
    case 400:
      return badRequest('the server rejected our request for an unknown reason');
    case 401:
      return unauthorized();
    case 403:
      return status(403, 'Forbidden', 'forbidden: the server does not allow access to the requested resource', {});
    case 404:
      return pathNotFound();
    case 405:
      return methodNotAllowed();
    case 409:
      return status(409, 'Conflict', 'the server reported a conflict', {});
    case 410:
      return expired();
    case 422:
      return status(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
    case 429:
      return status(429, 'TooManyRequests', 'the server has received too many requests and has asked us to try again later', {retryAfterSeconds: 1});
    case 500:
      return internalError('simulated fault');
    case 503:
      return status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', {});
    case 504:
      return status(504, 'Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request', {});
    default:
      return status(code, 'Unknown', `the server responded with the status code ${code} but did not return more information`, {});
  }
}
