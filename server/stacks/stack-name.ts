/**
 * A stack name, as the API accepts it in a path and as the CLI accepts it before using it in a file
 * name (`.keyform/outputs/<stack>.json`): no separator, no control character.
 */
export const STACK_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export const isStackName = (s: unknown): s is string => typeof s === "string" && STACK_NAME.test(s);
