import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

export type PathSegment = string | number;
export interface Position {
  line: number;
  col: number;
}

/**
 * Finds where things are in a parsed YAML document, so every problem can point at the node that
 * causes it. Paths are zod-style: ['hosts', 0, 'address'].
 */
export class PositionFinder {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /**
   * Position of the value at `path`; when it is absent, of the nearest ancestor that exists, so a
   * missing key points at the mapping that should hold it.
   */
  value(path: readonly PathSegment[]): Position {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.nodeAt(path.slice(0, depth));
      if (node?.range) return this.at(node.range[0]);
    }
    return { line: 1, col: 1 };
  }

  /** Position of the KEY `key` inside the mapping at `parentPath` (for unknown keys). */
  key(parentPath: readonly PathSegment[], key: string): Position {
    const pair = this.pairAt(parentPath, key);
    const keyNode = pair?.key as Node | undefined;
    if (keyNode?.range) return this.at(keyNode.range[0]);
    return this.value(parentPath);
  }

  /** Whether the document has a node at `path` (explicit in the file, not a default). */
  has(path: readonly PathSegment[]): boolean {
    return this.nodeAt(path) !== undefined;
  }

  private at(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, col };
  }

  private nodeAt(path: readonly PathSegment[]): Node | undefined {
    let node: unknown = this.doc.contents;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        node = pair?.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else {
        return undefined;
      }
      if (node === undefined || node === null) return undefined;
    }
    return node as Node;
  }

  private pairAt(parentPath: readonly PathSegment[], key: string): Pair | undefined {
    const parent = this.nodeAt(parentPath);
    if (!isMap(parent)) return undefined;
    return parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key) as Pair | undefined;
  }
}
