/**
 * `ipfs-cluster-ctl health graph`: the connectivity graph as a Graphviz DOT
 * document (CLI spec §6.4.8), laid out like the reference (go-dot writer):
 * cluster peers `C<n>` (self with two peripheries, trusted peers `T<n>`)
 * in a `rank="min"` subgraph, IPFS daemons `I<n>` in a `rank="max"`
 * subgraph, then cluster, cluster→IPFS and IPFS swarm edges. Nodes are
 * numbered in sorted peer-ID order. The document has no trailing newline.
 */
import type { ConnectGraphJSON } from '../../api/json.js'

interface Vertex {
  id: string
  label: string
  group: string
  color: string
  style: string
  colorscheme: string
  fontcolor: string
  fontname: string
  shape: string
  peripheries: number
}

function writeVertex (v: Vertex): string {
  let s = `${v.id} [`
  const attrs: Array<[string, string]> = [
    ['label', v.label], ['group', v.group], ['color', v.color], ['style', v.style], ['colorscheme', v.colorscheme],
    ['fontcolor', v.fontcolor], ['fontname', v.fontname], ['shape', v.shape]
  ]
  for (const [k, val] of attrs) {
    if (val === '') continue
    s += val.startsWith('<') ? `${k}=${val} ` : `${k}="${val}" `
  }
  if (v.peripheries !== 0) s += `peripheries="${v.peripheries}" `
  return s + ']'
}

function shorten (id: string): string {
  if (id.length < 8) return id
  return id.slice(0, 2) + '*' + id.slice(-6)
}

function label (name: string, id: string): string {
  return `< <B> ${name} </B> <BR/> <B> ${id} </B> >`
}

function sortedKeys (m: Record<string, unknown> | null | undefined): string[] {
  return Object.keys(m ?? {}).sort((a, b) => a < b ? -1 : a > b ? 1 : 0)
}

type NodeType = 'self' | 'cluster' | 'trusted' | 'ipfs' | 'ipfs-missing'

/** Renders the DOT document for a connectivity graph. */
export function makeDot (cg: ConnectGraphJSON, allIpfs: boolean): string {
  const ipfsLinks = cg.ipfs_links ?? {}
  // IPFS edges: only between IPFS daemons of cluster peers, unless allIpfs
  const ipfsEdges: Record<string, string[]> = {}
  for (const k of Object.keys(ipfsLinks)) {
    ipfsEdges[k] = []
  }
  for (const k of Object.keys(ipfsLinks)) {
    for (const id of ipfsLinks[k] ?? []) {
      if (id in ipfsLinks || allIpfs) ipfsEdges[k].push(id)
      if (allIpfs && !(id in ipfsEdges)) ipfsEdges[id] = []
    }
  }
  const clusterEdges = cg.cluster_links ?? {}
  const trust = cg.cluster_trust_links ?? {}
  const idToPeername = cg.id_to_peername ?? {}
  const clusterToIpfs = cg.cluster_to_ipfs ?? {}

  const clusterNodes = new Map<string, Vertex>()
  const ipfsNodes = new Map<string, Vertex>()

  const addNode = (lines: string[], id: string, t: NodeType): void => {
    const v: Vertex = { id: '', label: '', group: id, color: '', style: 'filled', colorscheme: 'x11', fontcolor: 'black', fontname: 'Arial', shape: '', peripheries: 0 }
    switch (t) {
      case 'self':
        v.id = `C${clusterNodes.size}`
        v.shape = 'box3d'
        v.label = label(idToPeername[id] ?? '', shorten(id))
        v.color = 'orange'
        v.peripheries = 2
        clusterNodes.set(id, v)
        break
      case 'trusted':
        v.id = `T${clusterNodes.size}`
        v.shape = 'box3d'
        v.label = label(idToPeername[id] ?? '', shorten(id))
        v.color = 'orange'
        clusterNodes.set(id, v)
        break
      case 'cluster':
        v.id = `C${clusterNodes.size}`
        v.shape = 'box3d'
        v.label = label(idToPeername[id] ?? '', shorten(id))
        v.color = 'darkorange3'
        clusterNodes.set(id, v)
        break
      case 'ipfs':
        v.id = `I${ipfsNodes.size}`
        v.shape = 'cylinder'
        v.label = label('IPFS', shorten(id))
        v.color = 'turquoise3'
        ipfsNodes.set(id, v)
        break
      case 'ipfs-missing':
        v.id = `I${ipfsNodes.size}`
        v.shape = 'cylinder'
        v.label = label('IPFS', 'Errored')
        v.color = 'firebrick1'
        ipfsNodes.set(id, v)
        break
    }
    lines.push(writeVertex(v))
  }

  const body: string[] = []
  body.push('/* The nodes of the connectivity graph */')
  body.push('/* The cluster-service peers */')
  const clusterKeys = sortedKeys(clusterEdges)
  const sub1: string[] = []
  for (const k of clusterKeys) {
    if (k === cg.cluster_id) addNode(sub1, k, 'self')
    else if (trust[k] === true) addNode(sub1, k, 'trusted')
    else addNode(sub1, k, 'cluster')
  }
  body.push(subgraph(sub1, 'min'))
  body.push('')

  body.push('/* The ipfs peers */')
  const sub2: string[] = []
  const ipfsKeys = sortedKeys(ipfsEdges)
  for (const k of ipfsKeys) addNode(sub2, k, 'ipfs')
  for (const k of clusterKeys) {
    if (!(k in clusterToIpfs)) addNode(sub2, k, 'ipfs-missing')
  }
  body.push(subgraph(sub2, 'max'))
  body.push('')

  body.push('/* Edges representing active connections in the cluster */')
  body.push('/* The connections among cluster-service peers */')
  for (const k of clusterKeys) {
    const from = clusterNodes.get(k)
    for (const id of clusterEdges[k] ?? []) {
      const to = clusterNodes.get(id)
      if (from == null || to == null) continue
      body.push(`${from.id} -> ${to.id}`)
    }
  }
  body.push('')

  body.push('/* The connections between cluster peers and their ipfs daemons */')
  for (const k of clusterKeys) {
    const from = clusterNodes.get(k)
    if (from == null) continue
    if (!(k in clusterToIpfs)) {
      const to = ipfsNodes.get(k)
      if (to == null) continue
      body.push(`${from.id} -> ${to.id} [ style="dotted" ]`)
      continue
    }
    const to = ipfsNodes.get(clusterToIpfs[k])
    if (to == null) continue
    body.push(`${from.id} -> ${to.id}`)
  }
  body.push('')

  body.push('/* The swarm peer connections among ipfs daemons in the cluster */')
  for (const k of ipfsKeys) {
    const from = ipfsNodes.get(k)
    if (from == null) continue
    for (const id of ipfsEdges[k]) {
      const to = ipfsNodes.get(id)
      if (to == null) continue
      body.push(`${from.id} -> ${to.id}`)
    }
  }

  return 'digraph cluster {\n' + body.map((l) => l + '\n').join('') + '}'
}

function subgraph (lines: string[], rank: string): string {
  return 'subgraph  {\n' + `rank="${rank}"\n` + lines.map((l) => l + '\n').join('') + '}'
}
