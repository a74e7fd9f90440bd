// Names shared by the server and the browser (the webhook form): no Node imports here.
export const EVENT_TYPES = [
  "release.started",
  "release.step",
  "release.approval_requested",
  "release.promoted",
  "release.rolled_back",
  "gateway.out_of_sync",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const WEBHOOK_FORMATS = ["generic", "slack", "feishu", "dingtalk"] as const;
export type WebhookFormatName = (typeof WEBHOOK_FORMATS)[number];

export const WEBHOOK_LOCALES = ["en", "zh-CN"] as const;
