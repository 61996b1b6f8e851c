import { StatusError, badRequest } from './status.js';

/**
 * The Kubernetes protobuf request encoding, for the one body real kubectl sends that way:
 * `kubectl create token` posts an authentication.k8s.io/v1 TokenRequest with
 * `Content-Type: application/vnd.kubernetes.protobuf` (typed clientsets default to protobuf).
 * Envelope: the 4 bytes "k8s\0", then a runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2}, raw=2,
 * contentEncoding=3, contentType=4} (apimachinery/pkg/runtime/serializer/protobuf/protobuf.go,
 * apimachinery/pkg/runtime/generated.proto). TokenRequest {metadata=1, spec=2, status=3};
 * TokenRequestSpec {audiences=1 repeated, boundObjectRef=3, expirationSeconds=4};
 * ObjectMeta {name=1, generateName=2, namespace=3} (k8s.io/api/authentication/v1/generated.proto,
 * apimachinery/pkg/apis/meta/v1/generated.proto). Other kinds in protobuf are 415.
 */

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { no: number; wire: number; value: bigint | Buffer };

/** Protobuf wire format: varints (0), 64-bit (1), length-delimited (2), 32-bit (5). */
export function decodeFields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let result = 0n, shift = 0n;
    for (;;) {
      if (i >= buf.length) throw badRequest('protobuf: truncated varint');
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw badRequest('protobuf: varint overflow');
    }
  };
  while (i < buf.length) {
    const key = varint();
    const no = Number(key >> 3n), wire = Number(key & 7n);
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw badRequest('protobuf: truncated field');
      out.push({ no, wire, value: buf.subarray(i, i + len) }); i += len;
    } else if (wire === 1) { out.push({ no, wire, value: buf.subarray(i, i + 8) }); i += 8; }
    else if (wire === 5) { out.push({ no, wire, value: buf.subarray(i, i + 4) }); i += 4; }
    else throw badRequest(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field | undefined) => (f && Buffer.isBuffer(f.value) ? f.value.toString('utf8') : undefined);
const one = (fields: Field[], no: number) => fields.filter((f) => f.no === no).at(-1);

/** Decodes a protobuf request body; only TokenRequest is understood. */
export function decodeProtobufBody(body: Buffer): Record<string, any> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('provided object is not a protobuf-encoded Kubernetes object (missing "k8s\\0" prefix)');
  const unknown = decodeFields(body.subarray(4));
  const typeMeta = one(unknown, 1);
  const tm = typeMeta && Buffer.isBuffer(typeMeta.value) ? decodeFields(typeMeta.value) : [];
  const apiVersion = str(one(tm, 1)) ?? '', kind = str(one(tm, 2)) ?? '';
  const raw = one(unknown, 2);
  if (apiVersion !== 'authentication.k8s.io/v1' || kind !== 'TokenRequest' || !raw || !Buffer.isBuffer(raw.value)) {
    throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json (protobuf only for authentication.k8s.io/v1 TokenRequest in this simulator; got ${apiVersion} ${kind})`);
  }
  const tr = decodeFields(raw.value);
  const metaF = one(tr, 1), specF = one(tr, 2);
  const meta = metaF && Buffer.isBuffer(metaF.value) ? decodeFields(metaF.value) : [];
  const spec = specF && Buffer.isBuffer(specF.value) ? decodeFields(specF.value) : [];
  const exp = one(spec, 4);
  const bound = one(spec, 3);
  const boundFields = bound && Buffer.isBuffer(bound.value) ? decodeFields(bound.value) : undefined;
  return {
    apiVersion, kind,
    metadata: { ...(str(one(meta, 1)) ? { name: str(one(meta, 1)) } : {}), ...(str(one(meta, 3)) ? { namespace: str(one(meta, 3)) } : {}) },
    spec: {
      audiences: spec.filter((f) => f.no === 1).map((f) => str(f)!),
      ...(exp && typeof exp.value === 'bigint' ? { expirationSeconds: Number(BigInt.asIntN(64, exp.value)) } : {}),
      // BoundObjectReference {kind=1, apiVersion=2, name=3, uid=4}
      ...(boundFields ? { boundObjectRef: { kind: str(one(boundFields, 1)), apiVersion: str(one(boundFields, 2)), name: str(one(boundFields, 3)), uid: str(one(boundFields, 4)) } } : {}),
    },
  };
}
