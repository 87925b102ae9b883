/**
 * A libp2p ComponentLogger that keeps libp2p quiet (its own debug output
 * goes to our `p2p` facility at debug level) and turns failed inbound
 * connection upgrades into one clear WARN line per remote address and
 * minute. With a private network, a failed upgrade almost always means the
 * remote peer uses another cluster secret.
 */
import { format } from 'node:util'
import type { Logger as AppLogger } from '../interfaces.js'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export interface Libp2pLoggerInit {
  log: AppLogger
  privateNetwork: boolean
}

const UPGRADE_FAILED = 'failed to upgrade %s connection %s %a - %e'

export function libp2pLogger (init: Libp2pLoggerInit): ComponentLogger {
  const lastLogged = new Map<string, number>()

  const onError = (formatter: unknown, args: unknown[]): void => {
    if (formatter === UPGRADE_FAILED && args[0] === 'inbound') {
      const from = String(args[2] ?? 'unknown address').replace(/\/p2p\/[^/]+$/, '')
      // one line per remote host: every new connection comes from another source port
      const key = from.replace(/\/(tcp|udp)\/\d+.*$/, '')
      const now = Date.now()
      if (now - (lastLogged.get(key) ?? 0) < 60_000) return
      lastLogged.set(key, now)
      if (lastLogged.size > 1000) lastLogged.clear()
      const reason = init.privateNetwork
        ? 'the remote peer probably uses a different cluster secret'
        : (args[3] as Error)?.message ?? 'unknown error'
      init.log.warn(`rejected connection from ${from}: secure handshake failed (${reason})`)
      return
    }
    if (init.log.debugEnabled) init.log.debug(safeFormat(formatter, args))
  }

  const make = (name: string): Logger => {
    const fn = ((formatter: unknown, ...args: unknown[]) => {
      if (init.log.debugEnabled) init.log.debug(`${name}: ${safeFormat(formatter, args)}`)
    }) as Logger
    fn.error = (formatter: unknown, ...args: unknown[]) => { onError(formatter, args) }
    fn.trace = () => {}
    Object.defineProperty(fn, 'enabled', { get: () => init.log.debugEnabled })
    fn.newScope = (scope: string) => make(`${name}:${scope}`)
    return fn
  }

  return { forComponent: make }
}

function safeFormat (formatter: unknown, args: unknown[]): string {
  try {
    return format(String(formatter).replace(/%[apckte]/g, '%s'), ...args.map((a) => a instanceof Error ? a.message : a))
  } catch {
    return String(formatter)
  }
}
