import { mergePatch } from './patch.js';
import { patchMetaOf } from './patch-meta.js';
import type { ResourceType } from './resources.js';
import { StatusError } from './status.js';
import type { KubeObject } from './store.js';
import { strategicMergePatch } from './strategic-merge.js';

/** The patch media types this simulator applies (the order of upstream's list, minus what it lacks). */
export const PATCH_MEDIA_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json'] as const;

/**
 * PATCH by Content-Type, as apiserver/pkg/endpoints/handlers/patch.go PatchResource does: a type
 * outside the accepted list is 415 with negotiation.NewUnsupportedMediaTypeError's text
 * (apiserver/pkg/endpoints/handlers/negotiation/errors.go). JSON patch (RFC 6902) and server-side
 * apply are not implemented, so they are not accepted (and the OpenAPI documents do not list them).
 */
export function applyPatch(contentType: string | undefined, type: ResourceType, current: KubeObject, patch: unknown): KubeObject {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  switch (mediaType) {
    case 'application/merge-patch+json': return mergePatch(current, patch) as KubeObject;
    case 'application/strategic-merge-patch+json': return strategicMergePatch(current, patch, patchMetaOf(type.kind)) as KubeObject;
    default:
      throw new StatusError(415, 'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_MEDIA_TYPES.join(', ')}`);
  }
}
