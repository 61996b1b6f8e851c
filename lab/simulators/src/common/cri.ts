import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import apiProto from './api.proto?raw';

import { DEFAULT_CRI_ENDPOINT } from './cri-endpoint.js';

export { DEFAULT_CRI_ENDPOINT };

export interface CriVersion {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}
export interface CriImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  pinned: boolean;
}
export interface CriCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}
export interface CriStatus {
  conditions: CriCondition[];
  info: Record<string, string>;
}
export interface CriFsUsage {
  timestamp: number;
  mountpoint: string;
  usedBytes: number;
  inodesUsed: number;
}

// Go's grpc codes.Code names: the tools print errors the way Go's status.Error formats them.
const GO_CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange',
  'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];

/** A failed CRI call; `message` reads like the Go tools' "rpc error: code = X desc = Y". */
export class CriError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly endpoint: string,
    /** true when the socket answers but does not serve runtime.v1 (e.g. containerd with cri disabled). */
    readonly notImplemented: boolean,
  ) {
    super(message);
    this.name = 'CriError';
  }
}

export function goRpcError(code: number, details: string): string {
  return `rpc error: code = ${GO_CODE_NAMES[code] ?? `Code(${code})`} desc = ${details}`;
}

let cachedPackage: grpc.GrpcObject | undefined;
function criPackage(): grpc.GrpcObject {
  if (!cachedPackage) {
    // Parsed from text (not a file path) so the single-file bundles carry the proto inside them.
    const root = protobuf.parse(apiProto, { keepCase: false }).root;
    const def = protoLoader.fromJSON(root.toJSON(), { longs: Number, defaults: true, enums: String });
    cachedPackage = grpc.loadPackageDefinition(def);
  }
  return cachedPackage;
}

type Unary = (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: any) => void) => void;

function serviceCtor(name: 'RuntimeService' | 'ImageService'): grpc.ServiceClientConstructor {
  const runtime = (criPackage().runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return runtime[name] as grpc.ServiceClientConstructor;
}

/** Normalise "unix:///x", "/x" and "unix:/x" into the form grpc-js dials. */
export function normaliseEndpoint(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint;
  if (endpoint.startsWith('/')) return `unix://${endpoint}`;
  throw new Error(`unsupported CRI endpoint ${JSON.stringify(endpoint)}: only unix sockets are supported`);
}

/**
 * A real CRI v1 gRPC client (the one kubelet, kubeadm and crictl use), so every answer the
 * simulators print comes from the container runtime itself.
 */
export class CriClient {
  readonly endpoint: string;
  private readonly runtime: grpc.Client;
  private readonly images: grpc.Client;

  constructor(endpoint: string = DEFAULT_CRI_ENDPOINT, private readonly timeoutMs = 10_000) {
    this.endpoint = normaliseEndpoint(endpoint);
    const creds = grpc.credentials.createInsecure();
    this.runtime = new (serviceCtor('RuntimeService'))(this.endpoint, creds);
    this.images = new (serviceCtor('ImageService'))(this.endpoint, creds);
  }

  close(): void {
    this.runtime.close();
    this.images.close();
  }

  private call<T>(client: grpc.Client, method: string, req: object, timeoutMs = this.timeoutMs): Promise<T> {
    const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
    return new Promise((resolve, reject) => {
      fn(req, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(this.toCriError(err));
        else resolve(res as T);
      });
    });
  }

  private toCriError(err: grpc.ServiceError): CriError {
    const base = goRpcError(err.code, goDetails(err, this.endpoint));
    const notImplemented = err.code === grpc.status.UNIMPLEMENTED && /unknown service runtime\.v1\./.test(err.details);
    return new CriError(base, err.code, this.endpoint, notImplemented);
  }

  /** RuntimeService.Version; the "not implemented" case carries the text kubeadm/crictl print. */
  async version(): Promise<CriVersion> {
    try {
      return await this.call<CriVersion>(this.runtime, 'Version', { version: 'v1' });
    } catch (e) {
      if (e instanceof CriError) {
        const what = e.notImplemented ? 'CRI v1 runtime API is not implemented for endpoint' : 'validate CRI v1 runtime API for endpoint';
        throw new CriError(`validate service connection: ${what} ${JSON.stringify(this.endpoint)}: ${e.message}`, e.code, this.endpoint, e.notImplemented);
      }
      throw e;
    }
  }

  async status(verbose = false): Promise<CriStatus> {
    const res = await this.call<{ status?: { conditions: CriCondition[] }; info: Record<string, string> }>(
      this.runtime, 'Status', { verbose });
    return { conditions: res.status?.conditions ?? [], info: res.info ?? {} };
  }

  /** The image, or null when the runtime does not have it (CRI answers an empty image, not an error). */
  async imageStatus(image: string): Promise<CriImage | null> {
    const res = await this.call<{ image: CriImage | null }>(this.images, 'ImageStatus', { image: { image }, verbose: false });
    return res.image ? toImage(res.image) : null;
  }

  async listImages(): Promise<CriImage[]> {
    const res = await this.call<{ images: CriImage[] }>(this.images, 'ListImages', {});
    return (res.images ?? []).map(toImage);
  }

  /** PullImage; containerd resolves registries through its own config (certs.d hosts.toml). */
  async pullImage(image: string, timeoutMs = 5 * 60_000): Promise<string> {
    const res = await this.call<{ imageRef: string }>(this.images, 'PullImage', { image: { image } }, timeoutMs);
    return res.imageRef;
  }

  async imageFsInfo(): Promise<CriFsUsage[]> {
    const res = await this.call<{ imageFilesystems: Array<{ timestamp: number; fsId?: { mountpoint: string }; usedBytes?: { value: number }; inodesUsed?: { value: number } }> }>(
      this.images, 'ImageFsInfo', {});
    return (res.imageFilesystems ?? []).map((f) => ({
      timestamp: Number(f.timestamp),
      mountpoint: f.fsId?.mountpoint ?? '',
      usedBytes: Number(f.usedBytes?.value ?? 0),
      inodesUsed: Number(f.inodesUsed?.value ?? 0),
    }));
  }
}

/** grpc-go's wording for dial failures, which is what the Go tools print. */
function goDetails(err: grpc.ServiceError, endpoint: string): string {
  if (err.code !== grpc.status.UNAVAILABLE) return err.details;
  const sock = endpoint.replace(/^unix:\/\//, '');
  if (/ENOENT/.test(err.details)) return `connection error: desc = "transport: Error while dialing: dial unix ${sock}: connect: no such file or directory"`;
  if (/ECONNREFUSED/.test(err.details)) return `connection error: desc = "transport: Error while dialing: dial unix ${sock}: connect: connection refused"`;
  if (/EACCES/.test(err.details)) return `connection error: desc = "transport: Error while dialing: dial unix ${sock}: connect: permission denied"`;
  return err.details;
}

function toImage(i: CriImage): CriImage {
  return {
    id: i.id,
    repoTags: i.repoTags ?? [],
    repoDigests: i.repoDigests ?? [],
    size: Number(i.size),
    pinned: Boolean(i.pinned),
  };
}
