/**
 * What JSON.parse lets through silently and a trace must not have: a key given twice in one object
 * (JSON.parse keeps the last, so half the author's intent vanishes) and nesting deep enough to
 * exhaust the validator's stack. One scan over text that JSON.parse already accepted.
 */
import { pathString } from './jsonLocate';

/** Deeper than any trace needs (a trace is 4 levels deep); a bound on the validator's recursion. */
export const MAX_JSON_DEPTH = 64;

/** A shape problem: the path (`steps[2].slot`) and the message. */
export interface ShapeProblem {
  readonly path: string;
  readonly message: string;
}

interface Frame {
  readonly kind: 'object' | 'array';
  readonly keys: Set<string>;
  /** Current key (object) or index (array) within this container. */
  at: string | number;
}

/** Read the JSON string literal starting at `text[i]` (a quote); its value and the index after it. */
function readString(text: string, i: number): { value: string; end: number } {
  let j = i + 1;
  while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return { value: JSON.parse(text.slice(i, j + 1)) as string, end: j + 1 };
}

/** The first duplicate key or over-deep nesting in valid JSON `text`, or null. */
export function jsonShapeProblem(text: string): ShapeProblem | null {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const { value, end } = readString(text, i);
      const top = stack[stack.length - 1];
      let j = end;
      while (j < text.length && /\s/.test(text[j])) j++;
      if (top?.kind === 'object' && text[j] === ':') {
        if (top.keys.has(value)) return { path: pathString([...stack.slice(0, -1).map((f) => f.at), value]), message: `duplicate key ${JSON.stringify(value)} (JSON keeps only the last one; remove the other)` };
        top.keys.add(value);
        top.at = value;
      }
      i = end - 1;
    } else if (c === '{' || c === '[') {
      if (stack.length >= MAX_JSON_DEPTH) return { path: `${pathString(stack.slice(0, 6).map((f) => f.at))}…`, message: `nested deeper than ${MAX_JSON_DEPTH} levels; a trace needs 4` };
      stack.push({ kind: c === '{' ? 'object' : 'array', keys: new Set(), at: c === '[' ? 0 : '' });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') top.at = (top.at as number) + 1;
    }
  }
  return null;
}
