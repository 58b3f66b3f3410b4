/** What a process's `/readyz` says of one bot folder (its `fleet` entry), undefined when it lists none. */
export async function fleetEntry(baseUrl: string, folder: string): Promise<Record<string, unknown> | undefined> {
  const ready = (await (await fetch(`${baseUrl}/readyz`)).json()) as { fleet: Array<Record<string, unknown>> };
  return ready.fleet.find((entry) => entry.folder === folder);
}
