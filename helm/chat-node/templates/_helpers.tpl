{{/*
Helpers for the chat-node chart. Every helper name carries the chart name.
*/}}

{{/* Chart name (nameOverride wins), truncated to 63 characters (DNS label limit). */}}
{{- define "chat-node.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: fullnameOverride, else "<release>-<chart>" (or just the release name when it
already contains the chart name). Truncated to 63 characters.
*/}}
{{- define "chat-node.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "chart-version" for the helm.sh/chart label. */}}
{{- define "chat-node.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Namespace of every resource: namespaceOverride, else the release namespace. */}}
{{- define "chat-node.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels. */}}
{{- define "chat-node.labels" -}}
helm.sh/chart: {{ include "chat-node.chart" . }}
{{ include "chat-node.selectorLabels" . }}
app.kubernetes.io/version: {{ (default .Chart.AppVersion .Values.image.tag) | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: guideops-chat
app.kubernetes.io/component: server
{{- end }}

{{/* Selector labels: only name and instance, so they never change across upgrades. */}}
{{- define "chat-node.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chat-node.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Name of the ServiceAccount the pods run as. */}}
{{- define "chat-node.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chat-node.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference of the chat node: [registry/]repository(:tag|@digest). global.imageRegistry overrides
image.registry; the tag defaults to the chart's appVersion.
*/}}
{{- define "chat-node.image" -}}
{{- $registry := default .Values.image.registry .Values.global.imageRegistry }}
{{- $repo := .Values.image.repository }}
{{- if $registry }}{{ $repo = printf "%s/%s" $registry $repo }}{{ end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (toString (default .Chart.AppVersion .Values.image.tag)) }}
{{- end }}
{{- end }}

{{/* Image pull secrets of every pod (global first), as a YAML list or nothing. */}}
{{- define "chat-node.imagePullSecrets" -}}
{{- $secrets := concat (default (list) .Values.global.imagePullSecrets) (default (list) .Values.imagePullSecrets) | uniq }}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ if kindIs "map" . }}{{ .name }}{{ else }}{{ . }}{{ end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Drain budget in seconds (config.drainTimeoutSeconds). */}}
{{- define "chat-node.drainSeconds" -}}
{{- int .Values.config.drainTimeoutSeconds }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the value given, or preStop sleep + drain budget + 10 s of slack for
closing Redis and flushing logs. A value below preStop + drain is refused: the kubelet would SIGKILL
the node in the middle of its drain.
*/}}
{{- define "chat-node.terminationGracePeriodSeconds" -}}
{{- $floor := add (int .Values.lifecycle.preStopSleepSeconds) (int .Values.config.drainTimeoutSeconds) }}
{{- if .Values.terminationGracePeriodSeconds }}
{{- if lt (int .Values.terminationGracePeriodSeconds) (int $floor) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least lifecycle.preStopSleepSeconds + config.drainTimeoutSeconds (%d)" (int .Values.terminationGracePeriodSeconds) (int $floor)) }}
{{- end }}
{{- int .Values.terminationGracePeriodSeconds }}
{{- else }}
{{- add $floor 10 }}
{{- end }}
{{- end }}

{{/* Minimum number of replicas the release runs with (HPA minimum when autoscaling). */}}
{{- define "chat-node.minReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ int .Values.autoscaling.minReplicas }}{{ else }}{{ int .Values.replicaCount }}{{ end }}
{{- end }}

{{/* Name of the in-chart Redis (redis.enabled). */}}
{{- define "chat-node.redisFullname" -}}
{{- printf "%s-redis" (include "chat-node.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of the Secret this chart creates for an inline Redis URL or password. */}}
{{- define "chat-node.redisSecretName" -}}
{{- printf "%s-redis" (include "chat-node.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* True ("true") when the chart must create the Redis Secret (inline url/password, no existingSecret). */}}
{{- define "chat-node.createRedisSecret" -}}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.existingSecret) (or .Values.externalRedis.url .Values.externalRedis.password) }}true{{ end }}
{{- end }}

{{/* Full Redis URL with the password (only for the chart-created Secret). */}}
{{- define "chat-node.inlineRedisUrl" -}}
{{- if .Values.externalRedis.url }}
{{- .Values.externalRedis.url }}
{{- else }}
{{- printf "redis://:%s@%s:%d/%d" .Values.externalRedis.password .Values.externalRedis.host (int .Values.externalRedis.port) (int .Values.externalRedis.db) }}
{{- end }}
{{- end }}

{{/*
The CHAT_REDIS_URL env entry. In order:
  1. redis.enabled: the in-chart Redis Service (no password);
  2. externalRedis.existingSecret: secretKeyRef to the full URL in that Secret;
  3. externalRedis.url / .password given inline: secretKeyRef to the Secret this chart creates;
  4. else redis://host:port/db as plain text (no password).
*/}}
{{- define "chat-node.redisUrlEnv" -}}
{{- if and .Values.redis.enabled (or .Values.externalRedis.existingSecret .Values.externalRedis.url .Values.externalRedis.password) }}
{{- fail "redis.enabled (in-chart Redis) and externalRedis.existingSecret/url/password are exclusive: set one" }}
{{- end }}
- name: CHAT_REDIS_URL
{{- if .Values.redis.enabled }}
  value: {{ printf "redis://%s:%d/0" (include "chat-node.redisFullname" .) (int .Values.redis.service.port) | quote }}
{{- else if .Values.externalRedis.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalRedis.existingSecret | quote }}
      key: {{ required "externalRedis.existingSecretUrlKey is required with externalRedis.existingSecret" .Values.externalRedis.existingSecretUrlKey | quote }}
{{- else if include "chat-node.createRedisSecret" . }}
  valueFrom:
    secretKeyRef:
      name: {{ include "chat-node.redisSecretName" . | quote }}
      key: redis-url
{{- else }}
  value: {{ printf "redis://%s:%d/%d" (required "externalRedis.host is required (or set redis.enabled for a test Redis)" .Values.externalRedis.host) (int .Values.externalRedis.port) (int .Values.externalRedis.db) | quote }}
{{- end }}
{{- if and .Values.externalRedis.sentinel.hosts .Values.externalRedis.sentinel.existingSecret }}
- name: CHAT_REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalRedis.sentinel.existingSecret | quote }}
      key: {{ required "externalRedis.sentinel.existingSecretPasswordKey is required with its existingSecret" .Values.externalRedis.sentinel.existingSecretPasswordKey | quote }}
{{- end }}
{{- end }}

{{/* Labels of the in-chart Redis (its own name/component, so chat-node selectors never match it). */}}
{{- define "chat-node.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "chat-node.name" . }}-redis
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "chat-node.redisLabels" -}}
helm.sh/chart: {{ include "chat-node.chart" . }}
{{ include "chat-node.redisSelectorLabels" . }}
app.kubernetes.io/version: {{ toString .Values.redis.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: guideops-chat
app.kubernetes.io/component: redis
{{- end }}

{{/*
Checks of the ai.* values (only with ai.enabled): exactly one backend (ai.url, or ai.webhookUrlSecretKey),
ai.model with ai.url, secret keys only together with ai.existingSecret, one CA source. Secrets are never
inline: ai.apiKey / ai.webhookUrl are refused here as well as by values.schema.json.
*/}}
{{- define "chat-node.aiCheck" -}}
{{- $ai := .Values.ai }}
{{- range list "apiKey" "apiKeyFile" "webhookUrl" }}
{{- if hasKey $ai . }}
{{- fail (printf "ai.%s is not supported: secrets are never inline; put the value in a Secret and set ai.existingSecret with ai.existingSecretKey (API key) or ai.webhookUrlSecretKey (webhook URL)" .) }}
{{- end }}
{{- end }}
{{- if and $ai.url $ai.webhookUrlSecretKey }}
{{- fail "ai.url and ai.webhookUrlSecretKey exclude each other (one backend per node): set one" }}
{{- end }}
{{- if not (or $ai.url $ai.webhookUrlSecretKey) }}
{{- fail "ai.enabled needs a backend: ai.url (an OpenAI-compatible API, with ai.model) or ai.webhookUrlSecretKey (the key of ai.existingSecret holding an n8n webhook URL)" }}
{{- end }}
{{- if and $ai.url (not $ai.model) }}
{{- fail "ai.url needs ai.model (the model the chat completions are asked for, e.g. llama3.2)" }}
{{- end }}
{{- if and (or $ai.existingSecretKey $ai.webhookUrlSecretKey) (not $ai.existingSecret) }}
{{- fail "ai.existingSecretKey and ai.webhookUrlSecretKey name keys of ai.existingSecret: set ai.existingSecret" }}
{{- end }}
{{- if and $ai.existingSecret (not (or $ai.existingSecretKey $ai.webhookUrlSecretKey)) }}
{{- fail "ai.existingSecret is set but unused: set ai.existingSecretKey (the API key's key) and/or ai.webhookUrlSecretKey" }}
{{- end }}
{{- if and $ai.caConfigMap $ai.caSecret }}
{{- fail "ai.caConfigMap and ai.caSecret exclude each other: set one" }}
{{- end }}
{{- if and (or $ai.caConfigMap $ai.caSecret) (not $ai.caKey) }}
{{- fail "ai.caKey is required with ai.caConfigMap / ai.caSecret" }}
{{- end }}
{{- end }}

{{/* Mount points of the assistant's files (API key, CA bundle). */}}
{{- define "chat-node.aiSecretDir" -}}/etc/chatnode/ai{{- end }}
{{- define "chat-node.aiCaDir" -}}/etc/chatnode/ai-ca{{- end }}

{{/*
The assistant's secret env entries (ai.enabled only; the other ai.* options are in the ConfigMap):
CHAT_AI_WEBHOOK_URL by secretKeyRef, and the paths of the mounted API key and CA bundle.
*/}}
{{- define "chat-node.aiEnv" -}}
{{- if .Values.ai.enabled }}
{{- include "chat-node.aiCheck" . }}
{{- if .Values.ai.webhookUrlSecretKey }}
# The webhook's path is its secret: never in the ConfigMap.
- name: CHAT_AI_WEBHOOK_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.ai.existingSecret | quote }}
      key: {{ .Values.ai.webhookUrlSecretKey | quote }}
{{- end }}
{{- if .Values.ai.existingSecretKey }}
- name: CHAT_AI_API_KEY_FILE
  value: {{ printf "%s/api-key" (include "chat-node.aiSecretDir" .) | quote }}
{{- end }}
{{- if or .Values.ai.caConfigMap .Values.ai.caSecret }}
- name: CHAT_AI_CA_FILE
  value: {{ printf "%s/ca.crt" (include "chat-node.aiCaDir" .) | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Volumes of the assistant's API key (from ai.existingSecret) and CA bundle, as YAML list items or nothing. */}}
{{- define "chat-node.aiVolumes" -}}
{{- if .Values.ai.enabled }}
{{- if .Values.ai.existingSecretKey }}
# Only the key's item: other keys of the Secret (e.g. the webhook URL) stay out of the filesystem.
- name: ai-api-key
  secret:
    secretName: {{ .Values.ai.existingSecret | quote }}
    # Read through the pod's fsGroup (podSecurityContext.fsGroup).
    defaultMode: 0440
    items:
      - key: {{ .Values.ai.existingSecretKey | quote }}
        path: api-key
{{- end }}
{{- if .Values.ai.caConfigMap }}
- name: ai-ca
  configMap:
    name: {{ .Values.ai.caConfigMap | quote }}
    items:
      - key: {{ .Values.ai.caKey | quote }}
        path: ca.crt
{{- else if .Values.ai.caSecret }}
- name: ai-ca
  secret:
    secretName: {{ .Values.ai.caSecret | quote }}
    items:
      - key: {{ .Values.ai.caKey | quote }}
        path: ca.crt
{{- end }}
{{- end }}
{{- end }}

{{/* Read-only mounts of those volumes, as YAML list items or nothing. */}}
{{- define "chat-node.aiVolumeMounts" -}}
{{- if .Values.ai.enabled }}
{{- if .Values.ai.existingSecretKey }}
- name: ai-api-key
  mountPath: {{ include "chat-node.aiSecretDir" . }}
  readOnly: true
{{- end }}
{{- if or .Values.ai.caConfigMap .Values.ai.caSecret }}
- name: ai-ca
  mountPath: {{ include "chat-node.aiCaDir" . }}
  readOnly: true
{{- end }}
{{- end }}
{{- end }}
