{{/* Names and labels shared by every template. */}}

{{- define "aeserve.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "aeserve.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aeserve.labels" -}}
{{ include "aeserve.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: aeserve
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "aeserve.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.gpu.enabled -}}
{{- default (printf "%s:%s-gpu" .Values.image.repository $tag) .Values.gpu.image -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "aeserve.dbSecret" -}}
{{- default (printf "%s-db" (include "aeserve.fullname" .)) .Values.database.existingSecret -}}
{{- end -}}

{{/* The pod's security settings: the namespace may enforce Pod Security "restricted". */}}
{{- define "aeserve.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "aeserve.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Fails the render on values that cannot work, with what to change. */}}
{{- define "aeserve.validate" -}}
{{- if and .Values.console.enabled (has (int .Values.console.port) (list (int .Values.service.port) (int .Values.service.metricsPort) (int .Values.tls.healthPort))) -}}
{{- fail "console.port must differ from service.port, service.metricsPort and tls.healthPort: each listener needs its own port" -}}
{{- end -}}
{{- if and .Values.console.enabled (or (lt (int .Values.console.port) 1) (gt (int .Values.console.port) 65535)) -}}
{{- fail "console.port must be a port number (1-65535)" -}}
{{- end -}}
{{- if not .Values.database.url -}}
{{- fail "database.url is required: the JDBC URL of the Postgres every replica shares" -}}
{{- end -}}
{{- if and (not .Values.database.existingSecret) (not .Values.database.password) -}}
{{- fail "set database.existingSecret (a Secret you created) or database.password" -}}
{{- end -}}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) -}}
{{- fail "tls.enabled needs tls.secretName: a kubernetes.io/tls Secret with tls.crt and tls.key" -}}
{{- end -}}
{{- if not (has .Values.auth.mode (list "required" "auto" "off")) -}}
{{- fail "auth.mode must be required, auto or off" -}}
{{- end -}}
{{- if and .Values.gpu.enabled (lt (int .Values.gpu.count) 1) -}}
{{- fail "gpu.count must be at least 1 when gpu.enabled" -}}
{{- end -}}
{{- end -}}
