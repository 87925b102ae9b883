/**
 * A counter of requests in flight, shared by the user-facing servers and
 * read by background work that should give way to them.
 */
import type { RequestActivity } from '../interfaces.js'

export function createRequestActivity (): RequestActivity {
  let inFlight = 0
  return {
    begin () {
      inFlight++
      let ended = false
      return () => {
        if (ended) return
        ended = true
        inFlight--
      }
    },
    get busy () {
      return inFlight > 0
    }
  }
}
