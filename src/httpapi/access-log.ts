/**
 * Access log in Apache common log format (gorilla/handlers LoggingHandler):
 * `host - user [02/Jan/2006:15:04:05 -0700] "GET /uri HTTP/1.1" status size`.
 * Lines go to `http_log_file` when set, else to the `<api>log` facility.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import type { Logger } from '../interfaces.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function pad (n: number, w = 2): string {
  return String(n).padStart(w, '0')
}

/** `02/Jan/2006:15:04:05 -0700` in local time. */
export function formatLogTime (d: Date): string {
  const off = -d.getTimezoneOffset()
  const sign = off >= 0 ? '+' : '-'
  const abs = Math.abs(off)
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
}

/** Quotes like gorilla's appendQuoted (escapes `"`, `\` and control characters). */
function quoteLog (s: string): string {
  return s.replace(/[\\"\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '"': return '\\"'
      case '\\': return '\\\\'
      case '\n': return '\\n'
      case '\r': return '\\r'
      case '\t': return '\\t'
      default: return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')
    }
  })
}

export interface AccessLogEntry {
  host: string
  user?: string
  time: Date
  method: string
  uri: string
  proto: string
  status: number
  size: number
}

export function commonLogLine (e: AccessLogEntry): string {
  const user = e.user != null && e.user !== '' ? e.user : '-'
  return `${e.host} - ${user} [${formatLogTime(e.time)}] "${quoteLog(e.method)} ${quoteLog(e.uri)} ${e.proto}" ${e.status} ${e.size}`
}

export class AccessLog {
  private stream?: WriteStream

  constructor (private readonly file: string, private readonly logger: Logger) {}

  open (): void {
    if (this.file !== '' && this.stream == null) {
      this.stream = createWriteStream(this.file, { flags: 'a', mode: 0o644 })
      this.stream.on('error', (err) => { this.logger.error('access log: %s', err.message) })
    }
  }

  write (entry: AccessLogEntry): void {
    const line = commonLogLine(entry)
    if (this.stream != null) {
      this.stream.write(line + '\n')
    } else {
      this.logger.info(line)
    }
  }

  async close (): Promise<void> {
    const s = this.stream
    this.stream = undefined
    if (s == null) return
    await new Promise<void>((resolve) => { s.end(resolve) })
  }
}
