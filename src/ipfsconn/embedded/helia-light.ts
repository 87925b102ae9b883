/**
 * Loads Helia's core class without its package entry point.
 *
 * `import 'helia'` also loads `@helia/libp2p` and `@helia/http` (the default
 * libp2p stack: WebRTC, DHT, AutoTLS, UPnP…), which the embedded node never
 * uses: about 1.3 s of module loading and 60 MiB of memory. `createHeliaLight`
 * is only `new Helia({ name, version, ...init })`, so we build it from the
 * two modules it needs, found next to the resolved entry point. If the layout
 * ever changes, we fall back to the package entry point.
 */
import type { Helia, HeliaInit } from 'helia'

export type CreateHeliaLight = (init: HeliaInit) => Helia

type HeliaClass = new (init: HeliaInit & { name: string, version: string }) => Helia

let loading: Promise<CreateHeliaLight> | undefined

export async function loadCreateHeliaLight (): Promise<CreateHeliaLight> {
  loading ??= (async () => {
    try {
      const entry = import.meta.resolve('helia')
      const [core, info] = await Promise.all([
        import(new URL('./helia.js', entry).href) as Promise<{ Helia?: HeliaClass }>,
        import(new URL('./version.js', entry).href) as Promise<{ name?: string, version?: string }>
      ])
      const HeliaCore = core.Helia
      if (typeof HeliaCore !== 'function' || typeof info.name !== 'string' || typeof info.version !== 'string') {
        throw new Error('unexpected helia layout')
      }
      const name = info.name
      const version = info.version
      return (init: HeliaInit) => new HeliaCore({ name, version, ...init })
    } catch {
      const { createHeliaLight } = await import('helia')
      return createHeliaLight
    }
  })()
  return await loading
}
