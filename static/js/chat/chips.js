/* How a tool call reads in a reply's chip: a short summary, and whether it failed or is
 * waiting for the person's yes. */

export function chipSummary(args, output) {
  output = output || {};
  args = args || {};
  if (typeof output === "string") return output.slice(0, 60);
  if (output.title) return output.title;
  if (args.title) return args.title;
  if (typeof output.count === "number") return output.count + (output.count === 1 ? " task" : " tasks");
  if (Array.isArray(output.tasks)) return output.tasks.length + (output.tasks.length === 1 ? " task" : " tasks");
  if (args.task_id != null) return "#" + args.task_id;
  if (args.search) return "“" + args.search + "”";
  return "";
}

export function chipFailed(output) {
  if (!output || typeof output !== "object") return false;
  if (output.error || output.ok === false) return true;
  return /not_found|error|invalid|refused/.test(String(output.status || ""));
}

/** A bulk delete that asked first did nothing yet: its chip must not read as done. */
export function chipAsking(output) {
  return !!output && typeof output === "object" && output.status === "needs_confirmation";
}
