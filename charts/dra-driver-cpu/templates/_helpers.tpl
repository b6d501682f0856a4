{{/* Names and labels shared by every object of the chart. */}}

{{- define "dracpu.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "dracpu.fullname" -}}
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

{{- define "dracpu.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dracpu.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "dracpu.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "dracpu.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "dracpu.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dracpu.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* image: "dracpu.image" (dict "image" .Values.driver.image "root" .) */}}
{{- define "dracpu.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}

{{/*
The three probes of one container: always GET /healthz on its named port; timings from values.
"dracpu.probes" (dict "c" .Values.driver "port" "driver-http")
*/}}
{{- define "dracpu.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml .c.startupProbe | nindent 2 }}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml .c.livenessProbe | nindent 2 }}
readinessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml .c.readinessProbe | nindent 2 }}
{{- end }}

{{/*
securityContext shared by both containers. Both run as root (uid 0) because the sockets they use
are root-owned on the host (the kubelet's plugin folders, the runtime's nri.sock with mode 0600),
but with no capability at all and no privilege escalation: owning uid 0 is enough to create and
connect to those sockets, and neither binary touches cgroups or devices itself (the runtime
applies the cpusets the nri-plugin asks for).
*/}}
{{- define "dracpu.securityContext" -}}
runAsUser: 0
runAsGroup: 0
runAsNonRoot: false
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "dracpu.configMountPath" -}}/etc/dra-cpu{{- end }}
