/**
 * Errors of the command-line framework. Like every error of the project
 * they are matched by `name`.
 */
import { ClusterError } from '../errors.js'

/**
 * Ends the program with `exitCode`; a non-empty message is printed on
 * stderr (urfave/cli `ExitCoder`). Actions and hooks throw it instead of
 * calling `process.exit`.
 */
export class ExitError extends ClusterError {
  static override name = 'ExitError'
  readonly exitCode: number

  constructor (message: string, exitCode: number) {
    super(message)
    this.name = 'ExitError'
    this.exitCode = exitCode
  }
}

/**
 * A command line that could not be parsed (unknown flag, bad value). The
 * `Incorrect Usage` text and the help were already written to stdout.
 */
export class UsageError extends ClusterError {
  static override name = 'UsageError'
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}
