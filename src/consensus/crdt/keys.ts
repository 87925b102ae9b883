/**
 * Persistent layout of the Merkle-CRDT under its namespace N (`/c`):
 *
 * | key | value | meaning |
 * |---|---|---|
 * | `N/h/<mh>` | uvarint(height) | current head |
 * | `N/s/s/<key>/<mh>` | uvarint(priority) | element (key added in block mh) |
 * | `N/s/t/<key>/<mh>` | empty | tombstone for that element |
 * | `N/s/k/<key>/v` | value | current winning value (present ⇔ key in the set) |
 * | `N/s/k/<key>/p` | uvarint(priority+1) | priority of the winning value |
 * | `N/b/<mh>` | empty | the block was processed (merged) |
 * | `N/blocks/<mh>` | block bytes | the DAG blocks (served to other peers) |
 * | `N/d` | empty | dirty bit (repair needed) |
 * | `N/crdt_version` | uvarint(version+1) | on-disk format version (1) |
 * | `N/j/<mh>` | empty | journal: a branch walk from head mh is in progress |
 * | `N/w/<seq>` | pending ops | write-ahead log of acknowledged batched ops (one record per group commit) |
 *
 * `<mh>` is the base32 (upper case, no padding) multihash of a block and
 * `<key>` a datastore key (`/<base32 CID>` for pins). go-ds-crdt stores an
 * empty value for elements; we store the element's priority, which lets a
 * tombstone find the surviving winner while reading only the winning
 * blocks. The journal and the write-ahead log are ours (crash safety).
 */
export const FORMAT_VERSION = 1

export class CRDTKeys {
  readonly ns: string

  constructor (namespace: string) {
    let ns = namespace.trim().replace(/\/+$/, '')
    if (!ns.startsWith('/')) ns = '/' + ns
    this.ns = ns
  }

  /** Every key of the CRDT starts with this. */
  get all (): string { return this.ns + '/' }

  get headsPrefix (): string { return this.ns + '/h/' }
  head (mh: string): string { return this.ns + '/h/' + mh }

  processed (mh: string): string { return this.ns + '/b/' + mh }
  get processedPrefix (): string { return this.ns + '/b/' }

  block (mh: string): string { return this.ns + '/blocks/' + mh }
  get blocksPrefix (): string { return this.ns + '/blocks/' }

  /** `key` starts with `/`; `id` is `/<mh>`. */
  elem (key: string, id: string): string { return this.ns + '/s/s' + key + id }
  elemPrefix (key: string): string { return this.ns + '/s/s' + key + '/' }
  tomb (key: string, id: string): string { return this.ns + '/s/t' + key + id }
  value (key: string): string { return this.ns + '/s/k' + key + '/v' }
  priority (key: string): string { return this.ns + '/s/k' + key + '/p' }
  get valuesPrefix (): string { return this.ns + '/s/k/' }

  get dirty (): string { return this.ns + '/d' }
  get version (): string { return this.ns + '/crdt_version' }

  journal (mh: string): string { return this.ns + '/j/' + mh }
  get journalPrefix (): string { return this.ns + '/j/' }

  wal (seq: number): string { return this.ns + '/w/' + String(seq).padStart(16, '0') }
  get walPrefix (): string { return this.ns + '/w/' }
  walSeq (key: string): number { return Number(key.slice(this.walPrefix.length)) }

  /** The datastore key of a `N/s/k/<key>/v` entry, or undefined for `/p` entries. */
  keyOfValue (dsKey: string): string | undefined {
    if (!dsKey.endsWith('/v')) return undefined
    return dsKey.slice(this.ns.length + 4, -2)
  }
}
