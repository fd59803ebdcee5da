/**
 * Runs an async task one run at a time. Asking while a run is under way asks for one more run
 * after it (however many times it is asked), so a wake-up that comes in the middle of a run is
 * never lost and never starts a second run beside the first.
 */
export class CoalescingTask {
  private running: Promise<void> = Promise.resolve();
  private active = false;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    /** A run that threw: the next request runs the task again. */
    private readonly onError: (err: unknown) => void,
    /** Once true, no further run starts. */
    private readonly stopped: () => boolean,
  ) {}

  /** Runs the task (again): resolves once no run is pending, the one asked for included. */
  request(): Promise<void> {
    this.again = true;
    if (!this.active) {
      this.active = true;
      this.running = this.loop();
    }
    return this.running;
  }

  /** Resolves once the run under way (and those asked for meanwhile) is over. */
  idle(): Promise<void> {
    return this.active ? this.running : Promise.resolve();
  }

  private async loop(): Promise<void> {
    try {
      while (this.again && !this.stopped()) {
        this.again = false;
        try {
          await this.task();
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      // In the same step as the loop's last test: a request made after it starts a new run.
      this.active = false;
    }
  }
}
