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
