/**
 * A small router with gorilla/mux semantics (HTTP spec §3.2): routes are
 * tried in order, `{name}` matches one segment, `{name:regex}` a custom
 * pattern; a path that matches with another method gives 405.
 */

export interface RoutePattern {
  regex: RegExp
  names: string[]
}

/** Compiles `/pins/{hash}` or `/pins/{keyType:ipfs|ipns|ipld}/{path:.*}`. */
export function compilePattern (pattern: string): RoutePattern {
  const names: string[] = []
  let re = '^'
  let i = 0
  while (i < pattern.length) {
    const open = pattern.indexOf('{', i)
    if (open < 0) {
      re += escapeRegex(pattern.slice(i))
      break
    }
    re += escapeRegex(pattern.slice(i, open))
    let depth = 0
    let close = open
    for (; close < pattern.length; close++) {
      if (pattern[close] === '{') depth++
      else if (pattern[close] === '}') {
        depth--
        if (depth === 0) break
      }
    }
    if (close >= pattern.length) {
      throw new Error(`unbalanced braces in route ${pattern}`)
    }
    const inner = pattern.slice(open + 1, close)
    const colon = inner.indexOf(':')
    const name = colon < 0 ? inner : inner.slice(0, colon)
    const sub = colon < 0 ? '[^/]+' : inner.slice(colon + 1)
    names.push(name)
    re += `(${sub})`
    i = close + 1
  }
  re += '$'
  return { regex: new RegExp(re), names }
}

function escapeRegex (s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export interface RouteDef<H> {
  method: string
  path: string
  handler: H
}

export type RouteMatch<H> =
  | { kind: 'found', handler: H, params: Record<string, string>, route: RouteDef<H> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' }

export class Router<H> {
  private readonly routes: Array<{ def: RouteDef<H>, pattern: RoutePattern }>

  constructor (routes: Array<RouteDef<H>>) {
    this.routes = routes.map((def) => ({ def, pattern: compilePattern(def.path) }))
  }

  match (method: string, path: string): RouteMatch<H> {
    let methodMismatch = false
    for (const { def, pattern } of this.routes) {
      const m = pattern.regex.exec(path)
      if (m == null) continue
      if (def.method !== method) {
        methodMismatch = true
        continue
      }
      const params: Record<string, string> = {}
      pattern.names.forEach((n, i) => { params[n] = m[i + 1] })
      return { kind: 'found', handler: def.handler, params, route: def }
    }
    return methodMismatch ? { kind: 'method-not-allowed' } : { kind: 'not-found' }
  }
}

/**
 * gorilla/mux `cleanPath`: `path.Clean` with a leading `/`, keeping a
 * trailing slash.
 */
export function cleanPath (p: string): string {
  if (p === '') return '/'
  if (p[0] !== '/') p = '/' + p
  let np = posixClean(p)
  if (p[p.length - 1] === '/' && np !== '/') np += '/'
  return np
}

/** Go `path.Clean` for absolute paths. */
export function posixClean (p: string): string {
  const rooted = p.startsWith('/')
  const out: string[] = []
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop()
      else if (!rooted) out.push('..')
      continue
    }
    out.push(seg)
  }
  const joined = out.join('/')
  if (rooted) return '/' + joined
  return joined === '' ? '.' : joined
}
