/**
 * `promise`'s outcome, or a rejection with `message` once `ms` have passed, whichever comes
 * first; the timer never outlives the race. The work itself is not cancelled: callers bound how
 * long they wait, not what the other side does.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
