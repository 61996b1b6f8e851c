import crypto from 'node:crypto';
import { RESOURCES, type ResourceType } from './resources.js';

/**
 * The OpenAPI v3 documents real kubectl reads, and only what this simulator honours.
 *
 * kubectl 1.32 fetches /openapi/v3 (the index of group-versions) and then /openapi/v3/<gv>, for two
 * decisions:
 *  - `apply --validate=strict` (the default) asks whether the PATCH operation of the object's GVK
 *    declares the `fieldValidation` query parameter; if so it leaves validation to the server and
 *    sends fieldValidation=Strict (cli-runtime pkg/resource/query_param_verifier_v3.go,
 *    supportsQueryParamV3). Without /openapi/v3 and /openapi/v2 apply fails: "failed to download
 *    openapi".
 *  - client-side apply computes its strategic merge patch from the first components schema whose
 *    `x-kubernetes-group-version-kind` lists the GVK (kubectl pkg/cmd/apply/patcher.go,
 *    buildStrategicMergePatchFromOpenAPIV3); when none does it falls back to /openapi/v2 and then to
 *    its compiled-in Go types, whose patchMergeKey tags are upstream's own. This simulator publishes
 *    NO type schemas (a partial schema would silently turn merge lists into atomic ones), so kubectl
 *    uses its compiled-in types: the same patch meta the real apiserver uses.
 * The paths list POST/PUT/PATCH with the fieldValidation parameter and, for PATCH, the two patch
 * media types the simulator accepts (merge and strategic merge; JSON patch and apply are 415).
 * Path shapes and parameter text: kube-openapi's builder as served by kube-apiserver
 * (k8s.io/apiserver/pkg/endpoints/installer.go, "fieldValidation" parameter doc).
 */

const FIELD_VALIDATION_PARAM = {
  name: 'fieldValidation',
  in: 'query',
  description: 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  schema: { type: 'string', uniqueItems: true },
};

const PATCH_REF = { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } };

/** "api/v1" or "apis/apps/v1": the keys of the /openapi/v3 index. */
export function openApiGroupVersionPath(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`;
}

function groupVersionPaths(): string[] {
  return [...new Set(RESOURCES.map(openApiGroupVersionPath))];
}

function operations(t: ResourceType): Record<string, unknown> {
  const prefix = `/${openApiGroupVersionPath(t)}`;
  const collection = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}` : `${prefix}/${t.resource}`;
  const gvk = { group: t.group, version: t.version, kind: t.kind };
  const op = (action: string, verb: string, extra: Record<string, unknown> = {}) => ({
    operationId: `${verb}${t.namespaced ? 'Namespaced' : ''}${t.kind}`,
    parameters: [FIELD_VALIDATION_PARAM],
    responses: { 200: { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  return {
    [collection]: { post: op('post', 'create', { requestBody: { content: { '*/*': { schema: {} } }, required: true } }) },
    [`${collection}/{name}`]: {
      put: op('put', 'replace', { requestBody: { content: { '*/*': { schema: {} } }, required: true } }),
      patch: op('patch', 'patch', {
        requestBody: { content: { 'application/merge-patch+json': PATCH_REF, 'application/strategic-merge-patch+json': PATCH_REF }, required: true },
      }),
    },
  };
}

/** The document for one group-version ("api/v1"); undefined when the simulator serves none. */
export function openApiGroupVersionDoc(gvPath: string, gitVersion: string): Record<string, unknown> | undefined {
  const types = RESOURCES.filter((t) => openApiGroupVersionPath(t) === gvPath);
  if (types.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (kinstall lab simulator)', version: gitVersion },
    paths: Object.assign({}, ...types.map(operations)),
    components: {
      schemas: {
        'io.k8s.apimachinery.pkg.apis.meta.v1.Patch': {
          description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
          type: 'object',
        },
      },
    },
  };
}

const hashOf = (doc: unknown) => crypto.createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);

/** /openapi/v3: the index kubectl resolves a group-version through (serverRelativeURL with a content hash). */
export function openApiIndex(gitVersion: string): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersionPaths()) {
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hashOf(openApiGroupVersionDoc(gv, gitVersion))}` };
  }
  return { paths };
}

/** Routes /openapi/v3 and /openapi/v3/<gv>; undefined = not an OpenAPI v3 path the simulator serves. */
export function openApiResponse(pathname: string, gitVersion: string): Record<string, unknown> | undefined {
  if (pathname === '/openapi/v3') return openApiIndex(gitVersion);
  const m = /^\/openapi\/v3\/(.+)$/.exec(pathname);
  return m ? openApiGroupVersionDoc(m[1]!, gitVersion) : undefined;
}

