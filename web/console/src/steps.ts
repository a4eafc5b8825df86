// The flow editor's canvas nodes: a flow node's type, name and config, plus what the editor
// shows on it (its run state, the validation issues that name it).
import type { JsonObject, ValidationIssue } from "@privexbot/client";
import type { Node } from "@xyflow/react";

export type StepData = {
  type: string;
  displayName?: string;
  config: JsonObject;
  state?: string;
  issues?: ValidationIssue[];
};

export type Step = Node<StepData, "step">;
