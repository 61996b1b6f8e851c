// The one place for version knowledge; each table cites its source where it is defined.
export * from './kubernetes.js';
export * from './containerd.js';
export * from './skew.js';
export * from './package-version.js';
