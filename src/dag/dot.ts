/**
 * daggen DOT files (`.gv`): reading with the @ts-graphviz/ast parser, writing in daggen's own layout.
 *
 * Node attributes: `size` (computation and upload volume), `expect_size` (result volume), `alpha`
 * (daggen's parallel fraction, kept but unused), and our optional `upload_size` when the upload volume
 * differs from `size`. The header comment's `--key value` pairs are kept as the DAG's metadata.
 */
import { parse, type ASTNode } from '@ts-graphviz/ast';
import { createDag, type Dag, type DagMeta, type Task } from './dag.js';
import { InputError } from '../util/errors.js';
import { bytesFromSize, cyclesFromSize, sizeFromBytes, sizeFromCycles } from './daggen-units.js';

interface RawNode {
  id: string;
  attrs: Map<string, string>;
  /** Where the node statement is (for messages). */
  line?: number;
}

interface Located {
  location?: { start?: { line?: number; column?: number } } | null;
}

/** " (line L, column C)" of a parser error or AST node, when it carries one. */
function where(located: Located | undefined): string {
  const start = located?.location?.start;
  if (!start?.line) return '';
  return start.column ? ` (line ${start.line}, column ${start.column})` : ` (line ${start.line})`;
}

export function parseDot(text: string, origin: string, name = origin): Dag {
  let ast: ASTNode;
  try {
    // The parser's default caps (100,000 nodes, 10 MB) refuse large DAGs this project writes itself;
    // a node takes at least one byte of input, so caps from the input's size keep memory linear in it.
    ast = parse(text, {
      maxASTNodes: Math.max(100_000, text.length),
      maxInputSize: Math.max(10 << 20, text.length),
    }) as ASTNode;
  } catch (err) {
    // The parser's syntax error keeps the position in its cause.
    const e = err as Located & { message?: string; cause?: Located };
    const at = where(e.cause?.location ? e.cause : e);
    throw InputError.inFile(origin, `malformed DOT${at}: ${firstLine(e.message ?? String(err))}`);
  }

  const meta: DagMeta = { format: 'dot' };
  const nodes = new Map<string, RawNode>();
  const edges: [string, string][] = [];
  let graphs = 0;

  const visitStatements = (children: readonly ASTNode[]): void => {
    for (const stmt of children) {
      switch (stmt.type) {
        case 'Node': {
          const id = String(stmt.id.value);
          // Two statements for one node would be merged attribute by attribute: a copy-paste slip, refused.
          const earlier = nodes.get(id);
          if (earlier) {
            const line = stmt.location?.start?.line;
            const lines = earlier.line && line ? ` (lines ${earlier.line} and ${line})` : '';
            throw InputError.inFile(origin, `node ${id} is declared twice${lines}; one statement per node`);
          }
          const raw: RawNode = {
            id,
            attrs: new Map<string, string>(),
            ...(stmt.location?.start?.line ? { line: stmt.location.start.line } : {}),
          };
          for (const attr of stmt.children) {
            if (attr.type === 'Attribute') raw.attrs.set(String(attr.key.value), String(attr.value.value));
          }
          nodes.set(id, raw);
          break;
        }
        case 'Edge': {
          const ids: string[] = [];
          for (const target of stmt.targets) {
            if (target.type !== 'NodeRef') {
              throw InputError.inFile(origin, 'edges between subgraphs are not supported');
            }
            ids.push(String(target.id.value));
          }
          for (let k = 0; k + 1 < ids.length; k++) edges.push([ids[k], ids[k + 1]]);
          break;
        }
        case 'Subgraph':
          visitStatements(stmt.children);
          break;
        default:
          break; // graph attributes and comments carry nothing we use
      }
    }
  };

  for (const top of (ast as { children: ASTNode[] }).children) {
    if (top.type === 'Comment') Object.assign(meta, parseHeader(String(top.value)));
    if (top.type === 'Graph') {
      graphs++;
      if (!top.directed) throw InputError.inFile(origin, 'expected a digraph, found an undirected graph');
      visitStatements(top.children);
    }
  }
  if (graphs !== 1) throw InputError.inFile(origin, `expected exactly one digraph, found ${graphs}`);

  for (const [from, to] of edges) {
    for (const id of [from, to]) {
      if (!nodes.has(id))
        throw InputError.inFile(origin, `edge ${from} -> ${to} refers to undeclared node ${id}`);
    }
  }

  const tasks: Task[] = [...nodes.values()].map((raw) => {
    const label = raw.attrs.get('label');
    const upload = raw.attrs.has('upload_size') ? 'upload_size' : 'size';
    return {
      id: raw.id,
      ...(label !== undefined ? { name: label } : {}),
      cycles: sizeAttr(raw, 'size', cyclesFromSize, origin),
      uploadBytes: sizeAttr(raw, upload, bytesFromSize, origin),
      resultBytes: sizeAttr(raw, 'expect_size', bytesFromSize, origin),
    };
  });
  return createDag({ name, tasks, edges, meta }, origin);
}

/** A size attribute in daggen units, converted; a value too large to convert is named, not passed on as Infinity. */
function sizeAttr(raw: RawNode, key: string, convert: (size: number) => number, origin: string): number {
  const value = convert(numberAttr(raw, key, origin));
  if (!Number.isFinite(value))
    throw InputError.inFile(
      origin,
      `node ${raw.id}: ${key}="${raw.attrs.get(key)}" is too large (not a finite number of cycles or bytes)`,
    );
  return value;
}

function numberAttr(raw: RawNode, key: string, origin: string): number {
  const text = raw.attrs.get(key);
  if (text === undefined) throw InputError.inFile(origin, `node ${raw.id} has no ${key} attribute`);
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw InputError.inFile(origin, `node ${raw.id}: ${key}="${text}" is not a number`);
  }
  if (value < 0) throw InputError.inFile(origin, `node ${raw.id}: ${key} must not be negative, got ${value}`);
  return value;
}

/** Picks `--key value` pairs out of a daggen (or mrlco) header comment. */
function parseHeader(comment: string): DagMeta {
  const meta: DagMeta = {};
  const tokens = comment.split(/\s+/);
  for (let k = 0; k < tokens.length; k++) {
    const m = /^--?([A-Za-z][\w-]*)$/.exec(tokens[k]);
    if (!m) continue;
    const next = tokens[k + 1];
    if (next !== undefined && !next.startsWith('-') && next !== '') {
      const num = Number(next);
      meta[m[1]] = Number.isFinite(num) ? num : next;
      k++;
    } else if (next !== undefined && /^-\d/.test(next)) {
      meta[m[1]] = Number(next);
      k++;
    } else {
      meta[m[1]] = true;
    }
  }
  return meta;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

/** Writes a DAG in daggen's DOT layout; sizes are rounded to whole daggen units. */
export function formatDot(dag: Dag): string {
  const lines: string[] = [];
  lines.push(`// DAG ${dag.name} written by mrlco`);
  const params = Object.entries(dag.meta)
    .filter(([key]) => key !== 'format')
    .map(([key, value]) => (value === true ? `--${key}` : `--${key} ${String(value).replace(/\s+/g, '_')}`));
  lines.push(`// ${['mrlco', ...params].join(' ')}`);
  lines.push('digraph G {');
  dag.tasks.forEach((task, i) => {
    const size = Math.round(sizeFromCycles(task.cycles));
    const upload = Math.round(sizeFromBytes(task.uploadBytes));
    const expect = Math.round(sizeFromBytes(task.resultBytes));
    const attrs = [`size="${size}"`, `alpha="0.00"`, `expect_size="${expect}"`];
    if (upload !== size) attrs.push(`upload_size="${upload}"`);
    if (task.name !== undefined) attrs.push(`label="${task.name.replace(/"/g, '\\"')}"`);
    lines.push(`  ${dotId(task.id)} [${attrs.join(', ')}] `);
    for (const c of dag.children[i])
      lines.push(`  ${dotId(task.id)} -> ${dotId(dag.tasks[c].id)} [size ="${expect}"]`);
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}

function dotId(id: string): string {
  return /^(\d+|[A-Za-z_][\w]*)$/.test(id) ? id : `"${id.replace(/"/g, '\\"')}"`;
}
