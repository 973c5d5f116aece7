/** An ora spinner on stderr, only on a TTY (never in pipes, CI or tests). */
export interface Progress {
  text(msg: string): void;
  stop(): void;
}

export async function startProgress(initial: string, stream: NodeJS.WriteStream = process.stderr): Promise<Progress> {
  if (!stream.isTTY || process.env.CI) return {text: () => {}, stop: () => {}};
  const {default: ora} = await import('ora');
  const spinner = ora({text: initial, stream}).start();
  return {
    text: (m) => {
      spinner.text = m;
    },
    stop: () => spinner.stop(),
  };
}
