// `?raw` imports: vitest (Vite) serves them natively, build.mjs maps them to esbuild's text loader,
// so the CRI proto ships inside each single-file bundle.
declare module '*.proto?raw' {
  const text: string;
  export default text;
}
