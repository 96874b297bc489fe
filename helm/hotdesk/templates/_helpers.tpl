{{/*
Names
*/}}
{{- define "hotdesk.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hotdesk.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "hotdesk.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Name of a component's resources. Args: dict "ctx" $ "component" "server" */}}
{{- define "hotdesk.componentName" -}}
{{- printf "%s-%s" (include "hotdesk.fullname" .ctx | trunc 40 | trimSuffix "-") .component -}}
{{- end -}}

{{/*
Labels. Args: dict "ctx" $ "component" "server" (component may be empty)
*/}}
{{- define "hotdesk.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hotdesk.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "hotdesk.labels" -}}
helm.sh/chart: {{ include "hotdesk.chart" .ctx }}
{{ include "hotdesk.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: hotdesk
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Standard metadata. Args: dict "ctx" $ "component" "server" "name" "..." ["annotations" map]
["extraLabels" map] ["namespace" ns]
*/}}
{{- define "hotdesk.metadata" -}}
name: {{ .name }}
namespace: {{ .namespace | default .ctx.Release.Namespace }}
labels:
  {{- include "hotdesk.labels" . | nindent 2 }}
  {{- with .extraLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- $annotations := merge (dict) (.annotations | default dict) .ctx.Values.commonAnnotations }}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Images. hotdesk.image: the hotdesk image. hotdesk.imageRef: dict "image" <values> "defaultTag" "..."
*/}}
{{- define "hotdesk.imageRef" -}}
{{- $repo := .image.repository -}}
{{- if .image.registry -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" .image.registry) .image.repository -}}
{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repo .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (.image.tag | default .defaultTag | toString) -}}
{{- end -}}
{{- end -}}

{{- define "hotdesk.image" -}}
{{- include "hotdesk.imageRef" (dict "image" .Values.image "defaultTag" .Chart.AppVersion) -}}
{{- end -}}

{{- define "hotdesk.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "hotdesk.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
A value as a plain string for a ConfigMap: whole numbers never come out in exponent form.
*/}}
{{- define "hotdesk.str" -}}
{{- if or (kindIs "float64" .) (kindIs "float32" .) -}}
{{- if eq (float64 .) (float64 (int64 .)) -}}{{ int64 . }}{{- else -}}{{ . }}{{- end -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}

{{/*
ConfigMap data of HOTDESK_<FLAG> variables. Args: dict "config" <flag -> value> "extra" <flag -> value>
The extra map wins. Flag names may use - or _.
*/}}
{{- define "hotdesk.flagEnvData" -}}
{{- $all := dict -}}
{{- range $k, $v := .config }}{{ $_ := set $all (upper (replace "-" "_" $k)) $v }}{{ end -}}
{{- range $k, $v := .extra }}{{ $_ := set $all (upper (replace "-" "_" $k)) $v }}{{ end -}}
{{- range $k := keys $all | sortAlpha }}
HOTDESK_{{ $k }}: {{ include "hotdesk.str" (get $all $k) | quote }}
{{- end }}
{{- end -}}

{{/*
Redis
*/}}
{{- define "hotdesk.redis.bundled" -}}
{{- if eq .Values.redis.mode "bundled" }}true{{ end -}}
{{- end -}}

{{- define "hotdesk.redis.addr" -}}
{{- if eq .Values.redis.mode "bundled" -}}
{{- printf "%s:%d" (include "hotdesk.componentName" (dict "ctx" . "component" "redis")) (int .Values.redis.bundled.service.port) -}}
{{- else -}}
{{- .Values.redis.external.addr -}}
{{- end -}}
{{- end -}}

{{- define "hotdesk.redis.authEnabled" -}}
{{- if or (eq .Values.redis.mode "bundled") .Values.redis.auth.existingSecret .Values.redis.auth.password }}true{{ end -}}
{{- end -}}

{{- define "hotdesk.redis.createSecret" -}}
{{- if and (not .Values.redis.auth.existingSecret) (or (eq .Values.redis.mode "bundled") .Values.redis.auth.password) }}true{{ end -}}
{{- end -}}

{{- define "hotdesk.redis.secretName" -}}
{{- .Values.redis.auth.existingSecret | default (include "hotdesk.componentName" (dict "ctx" . "component" "redis")) -}}
{{- end -}}

{{- define "hotdesk.redis.secretKey" -}}
{{- if .Values.redis.auth.existingSecret -}}{{ .Values.redis.auth.existingSecretPasswordKey }}{{- else -}}redis-password{{- end -}}
{{- end -}}

{{/*
Flags that point a component at Redis (server, and the XSP bridge for its cursor), by mode:
--redis_addr (external, bundled), --redis_sentinels + --redis_master_name (sentinel),
--redis_cluster_nodes (cluster); the durability option in every mode.
*/}}
{{- define "hotdesk.redis.flags" -}}
{{- $r := .Values.redis -}}
{{- $flags := dict "redis_wait_replicas" (int64 $r.waitReplicas) "redis_wait_timeout" $r.waitTimeout -}}
{{- if eq $r.mode "sentinel" -}}
{{- $_ := set $flags "redis_sentinels" (join "," $r.sentinel.sentinels) -}}
{{- $_ := set $flags "redis_master_name" $r.sentinel.masterName -}}
{{- $_ := set $flags "redis_db" (int64 $r.db) -}}
{{- with $r.sentinel.auth.username }}{{ $_ := set $flags "redis_sentinel_username" . }}{{ end -}}
{{- else if eq $r.mode "cluster" -}}
{{- $_ := set $flags "redis_cluster_nodes" (join "," $r.cluster.nodes) -}}
{{- else -}}
{{- $_ := set $flags "redis_addr" (include "hotdesk.redis.addr" .) -}}
{{- $_ := set $flags "redis_db" (int64 $r.db) -}}
{{- end -}}
{{- $flags | toYaml -}}
{{- end -}}

{{/* The sentinels' password: from redis.sentinel.auth (a Secret the chart renders) or an existing Secret. */}}
{{- define "hotdesk.redis.sentinel.authEnabled" -}}
{{- if and (eq .Values.redis.mode "sentinel") (or .Values.redis.sentinel.auth.existingSecret .Values.redis.sentinel.auth.password) }}true{{ end -}}
{{- end -}}

{{- define "hotdesk.redis.sentinel.secretName" -}}
{{- .Values.redis.sentinel.auth.existingSecret | default (include "hotdesk.componentName" (dict "ctx" . "component" "redis-sentinel")) -}}
{{- end -}}

{{- define "hotdesk.redis.sentinel.secretKey" -}}
{{- if .Values.redis.sentinel.auth.existingSecret -}}{{ .Values.redis.sentinel.auth.existingSecretPasswordKey }}{{- else -}}sentinel-password{{- end -}}
{{- end -}}

{{- define "hotdesk.redis.aclSecretName" -}}
{{- printf "%s-acl" (include "hotdesk.componentName" (dict "ctx" . "component" "redis")) -}}
{{- end -}}

{{/* Redis credentials of a component with the default user's password (the XSP bridge, for now). */}}
{{- define "hotdesk.redis.env" -}}
{{- if include "hotdesk.redis.authEnabled" . }}
- name: HOTDESK_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "hotdesk.redis.secretName" . }}
      key: {{ include "hotdesk.redis.secretKey" . }}
{{- end }}
{{- if include "hotdesk.redis.sentinel.authEnabled" . }}
- name: HOTDESK_REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "hotdesk.redis.sentinel.secretName" . }}
      key: {{ include "hotdesk.redis.sentinel.secretKey" . }}
{{- end }}
{{- end -}}

{{/* Redis credentials of hotdesk-server: its own ACL user on the bundled Redis with ACL users on. */}}
{{- define "hotdesk.redis.serverEnv" -}}
{{- if and (include "hotdesk.redis.bundled" .) .Values.redis.acl.enabled }}
- name: HOTDESK_REDIS_USERNAME
  value: hotdesk-server
- name: HOTDESK_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "hotdesk.redis.aclSecretName" . }}
      key: server-password
{{- else }}
{{- include "hotdesk.redis.env" . }}
{{- end }}
{{- end -}}

{{/* Address adapters use to reach hotdesk-server. Args: dict "ctx" $ "values" .Values.<component> */}}
{{- define "hotdesk.serverAddress" -}}
{{- .values.serverAddress | default (printf "%s:%d" (include "hotdesk.componentName" (dict "ctx" .ctx "component" "server")) (int .ctx.Values.server.service.ports.grpc)) -}}
{{- end -}}

{{- define "hotdesk.listen" -}}
{{- printf "%s:%d" .ctx.Values.bindAddress (int .port) -}}
{{- end -}}

{{/*
Probe. Args: dict "probe" <values: enabled + timings> "custom" <map> "action" <map>
Renders the probe body (without the key); empty when disabled and no custom probe.
*/}}
{{- define "hotdesk.probe" -}}
{{- if .custom -}}
{{- toYaml .custom -}}
{{- else if .probe.enabled -}}
{{- toYaml .action }}
initialDelaySeconds: {{ .probe.initialDelaySeconds }}
periodSeconds: {{ .probe.periodSeconds }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
successThreshold: {{ .probe.successThreshold }}
{{- end -}}
{{- end -}}

{{/* gRPC probe action. Args: dict "port" N "service" "" */}}
{{- define "hotdesk.grpcAction" -}}
{{- $grpc := dict "port" (int .port) -}}
{{- if .service }}{{ $_ := set $grpc "service" .service }}{{ end -}}
{{- dict "grpc" $grpc | toYaml -}}
{{- end -}}

{{/*
The three probes of a container. Args: dict "values" .Values.<component> "action" <probe action map>
*/}}
{{- define "hotdesk.probes" -}}
{{- $v := .values -}}
{{- range $kind := list "startup" "liveness" "readiness" }}
{{- $probe := get $v (printf "%sProbe" $kind) -}}
{{- $custom := get $v (printf "custom%sProbe" (title $kind)) -}}
{{- $action := $.action -}}
{{- if hasKey $probe "service" -}}
{{- $action = include "hotdesk.grpcAction" (dict "port" $.action.grpc.port "service" $probe.service) | fromYaml -}}
{{- end -}}
{{- with include "hotdesk.probe" (dict "probe" $probe "custom" $custom "action" $action) }}
{{ $kind }}Probe:
  {{- . | nindent 2 }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Affinity from a preset. Args: dict "ctx" $ "component" "server" "values" .Values.server
*/}}
{{- define "hotdesk.affinity" -}}
{{- if .values.affinity -}}
{{- toYaml .values.affinity -}}
{{- else if eq (.values.podAntiAffinityPreset | default "") "soft" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "hotdesk.selectorLabels" . | nindent 12 }}
{{- else if eq (.values.podAntiAffinityPreset | default "") "hard" -}}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "hotdesk.selectorLabels" . | nindent 10 }}
{{- end -}}
{{- end -}}

{{/*
Pod-spec lines every hotdesk pod shares. Args: dict "ctx" $ "component" "server" "values" .Values.<component>
*/}}
{{- define "hotdesk.podCommon" -}}
{{- $ctx := .ctx -}}
serviceAccountName: {{ include "hotdesk.serviceAccountName" $ctx }}
automountServiceAccountToken: {{ $ctx.Values.serviceAccount.automountServiceAccountToken }}
enableServiceLinks: false
{{- with $ctx.Values.image.pullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
securityContext:
  {{- toYaml $ctx.Values.podSecurityContext | nindent 2 }}
{{- with .values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with include "hotdesk.affinity" . }}
affinity:
  {{- . | nindent 2 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Pod annotations: checksums of the component's ConfigMap(s) so that a change rolls the pods. */}}
{{- define "hotdesk.podAnnotations" -}}
{{- $ann := merge (dict) (.values.podAnnotations | default dict) -}}
{{- range $name, $content := .checksums }}
{{- $_ := set $ann (printf "checksum/%s" $name) ($content | sha256sum) -}}
{{- end }}
{{- toYaml $ann -}}
{{- end -}}

{{/* Container security context of every hotdesk container. */}}
{{- define "hotdesk.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/*
NetworkPolicy egress rules. Args: dict "ctx" $ "server" bool "redis" bool
*/}}
{{- define "hotdesk.networkPolicy.egress" -}}
{{- $ctx := .ctx -}}
{{- if $ctx.Values.networkPolicy.allowExternalEgress }}
- {}
{{- else }}
# DNS
- ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
{{- if .server }}
- to:
    - podSelector:
        matchLabels:
          {{- include "hotdesk.selectorLabels" (dict "ctx" $ctx "component" "server") | nindent 10 }}
  ports:
    - protocol: TCP
      port: {{ $ctx.Values.server.containerPorts.grpc }}
{{- end }}
{{- if and .redis (include "hotdesk.redis.bundled" $ctx) }}
- to:
    - podSelector:
        matchLabels:
          {{- include "hotdesk.selectorLabels" (dict "ctx" $ctx "component" "redis") | nindent 10 }}
  ports:
    - protocol: TCP
      port: 6379
{{- end }}
{{- with $ctx.Values.networkPolicy.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
"from" peers for a component's service ports when networkPolicy.allowExternal is false:
this release's pods and pods labelled <fullname>-client=true.
*/}}
{{- define "hotdesk.networkPolicy.clients" -}}
- podSelector:
    matchLabels:
      {{- include "hotdesk.selectorLabels" (dict "ctx" . "component" "") | nindent 6 }}
- podSelector:
    matchLabels:
      {{ printf "%s-client" (include "hotdesk.fullname" .) }}: "true"
{{- with .Values.networkPolicy.ingressFrom }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Server authentication: key files mounted from a ConfigMap. */}}
{{- define "hotdesk.server.authKeysConfigMap" -}}
{{- .Values.server.auth.existingConfigMap | default (printf "%s-auth-keys" (include "hotdesk.componentName" (dict "ctx" . "component" "server"))) -}}
{{- end -}}

{{- define "hotdesk.server.authKeyFiles" -}}
{{- $a := .Values.server.auth -}}
{{- $files := list -}}
{{- if $a.existingConfigMap -}}
{{- range $a.existingConfigMapKeys }}{{ $files = append $files (printf "/etc/hotdesk/auth/%s" .) }}{{ end -}}
{{- else -}}
{{- if $a.publicKeys }}{{ $files = append $files "/etc/hotdesk/auth/keys.pem" }}{{ end -}}
{{- if $a.jwks }}{{ $files = append $files "/etc/hotdesk/auth/jwks.json" }}{{ end -}}
{{- end -}}
{{- join "," $files -}}
{{- end -}}

{{- define "hotdesk.server.clientCASecret" -}}
{{- .Values.server.tls.clientCASecret | default .Values.server.tls.existingSecret -}}
{{- end -}}

{{/*
Metrics ingress rule. Args: dict "ctx" $ "port" N
Restricted to networkPolicy.metricsFrom (plus this release's pods, e.g. the helm test pod) when
allowExternal is false and metricsFrom is set.
*/}}
{{- define "hotdesk.networkPolicy.metricsIngress" -}}
- ports:
    - protocol: TCP
      port: {{ .port }}
  {{- if and (not .ctx.Values.networkPolicy.allowExternal) .ctx.Values.networkPolicy.metricsFrom }}
  from:
    {{- toYaml .ctx.Values.networkPolicy.metricsFrom | nindent 4 }}
    - podSelector:
        matchLabels:
          {{- include "hotdesk.selectorLabels" (dict "ctx" .ctx "component" "") | nindent 10 }}
  {{- end }}
{{- end -}}

{{/* PodDisruptionBudget spec body. Args: .Values.<component>.pdb */}}
{{- define "hotdesk.pdbSpec" -}}
{{- if not (eq (toString .minAvailable) "") }}
minAvailable: {{ .minAvailable }}
{{- else }}
maxUnavailable: {{ eq (toString .maxUnavailable) "" | ternary 1 .maxUnavailable }}
{{- end }}
{{- end -}}

{{/* The CA this release's clients of the server (hotdesk-web) verify its certificate with. */}}
{{- define "hotdesk.server.caSecret" -}}
{{- .Values.server.tls.caSecret | default .Values.server.tls.existingSecret -}}
{{- end -}}

{{/*
hotdesk-web's links to this release's adapters: the feature-code HTTP base (profile preview) and
the health URLs the console shows. Empty strings when the adapters are off.
*/}}
{{- define "hotdesk.web.featurecodesUrl" -}}
{{- if .Values.web.config.featurecodesUrl -}}
{{- .Values.web.config.featurecodesUrl -}}
{{- else if .Values.featurecodes.enabled -}}
{{- printf "http://%s:%d" (include "hotdesk.componentName" (dict "ctx" . "component" "featurecodes")) (int .Values.featurecodes.service.ports.http) -}}
{{- end -}}
{{- end -}}

{{- define "hotdesk.web.adapters" -}}
{{- if .Values.web.config.adapters -}}
{{- .Values.web.config.adapters -}}
{{- else -}}
{{- $targets := list -}}
{{- if .Values.featurecodes.enabled -}}
{{- $targets = append $targets (printf "featurecodes=http://%s:%d/healthz" (include "hotdesk.componentName" (dict "ctx" . "component" "featurecodes")) (int .Values.featurecodes.service.ports.http)) -}}
{{- end -}}
{{- if .Values.xsp.enabled -}}
{{- $targets = append $targets (printf "xsp=http://%s:%d/healthz" (include "hotdesk.componentName" (dict "ctx" . "component" "xsp")) (int .Values.xsp.service.metricsPort)) -}}
{{- end -}}
{{- if and .Values.csta.enabled .Values.metrics.enabled -}}
{{- /* hotdesk-csta has no HTTP health endpoint; its metrics endpoint answering is the sign of life. */ -}}
{{- $targets = append $targets (printf "csta=http://%s-metrics:%d/metrics" (include "hotdesk.componentName" (dict "ctx" . "component" "csta")) (int .Values.csta.service.metricsPort)) -}}
{{- end -}}
{{- join "," $targets -}}
{{- end -}}
{{- end -}}

{{/*
An adapter's channel to the core (csta, featurecodes, xsp). Args: dict "ctx" $ "values" .Values.<adapter>
The token comes from a Secret mounted as a file (the adapter re-reads it when Kubernetes updates
it); only its path is a flag. TLS to the core when server.tls.enabled, with the CA hotdesk-web uses,
and a client certificate when the adapter has one (server.tls.requireClientCert).
*/}}
{{- define "hotdesk.adapter.coreFlags" -}}
{{- $ctx := .ctx -}}
{{- $v := .values -}}
{{- if $v.coreToken.existingSecret }}
core_token_file: /etc/hotdesk/core-token/token
{{- end }}
{{- if $ctx.Values.server.tls.enabled }}
core_tls_ca: /etc/hotdesk/server-ca/ca.crt
{{- if $v.coreTls.clientCertSecret }}
core_tls_cert: /etc/hotdesk/core-client-tls/tls.crt
core_tls_key: /etc/hotdesk/core-client-tls/tls.key
{{- end }}
{{- end }}
{{- end -}}

{{- define "hotdesk.adapter.coreVolumeMounts" -}}
{{- $ctx := .ctx -}}
{{- $v := .values -}}
{{- if $v.coreToken.existingSecret }}
- name: core-token
  mountPath: /etc/hotdesk/core-token
  readOnly: true
{{- end }}
{{- if $ctx.Values.server.tls.enabled }}
- name: server-ca
  mountPath: /etc/hotdesk/server-ca
  readOnly: true
{{- if $v.coreTls.clientCertSecret }}
- name: core-client-tls
  mountPath: /etc/hotdesk/core-client-tls
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{- define "hotdesk.adapter.coreVolumes" -}}
{{- $ctx := .ctx -}}
{{- $v := .values -}}
{{- if $v.coreToken.existingSecret }}
- name: core-token
  secret:
    secretName: {{ $v.coreToken.existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ $v.coreToken.existingSecretKey }}
        path: token
{{- end }}
{{- if $ctx.Values.server.tls.enabled }}
- name: server-ca
  secret:
    secretName: {{ include "hotdesk.server.caSecret" $ctx }}
    items:
      - key: {{ $ctx.Values.server.tls.caKey }}
        path: ca.crt
{{- if $v.coreTls.clientCertSecret }}
- name: core-client-tls
  secret:
    secretName: {{ $v.coreTls.clientCertSecret }}
    defaultMode: 0440
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
{{- end }}
{{- end }}
{{- end -}}

{{/* hotdesk-featurecodes' --pbx_auth_keys files (comma list; empty when none). */}}
{{- define "hotdesk.featurecodes.pbxAuthKeyFiles" -}}
{{- $a := .Values.featurecodes.pbxAuth -}}
{{- $files := list -}}
{{- if $a.existingConfigMap -}}
{{- range $a.existingConfigMapKeys }}{{ $files = append $files (printf "/etc/hotdesk/pbx-auth/%s" .) }}{{ end -}}
{{- else if $a.publicKeys -}}
{{- $files = append $files "/etc/hotdesk/pbx-auth/keys.pem" -}}
{{- end -}}
{{- join "," $files -}}
{{- end -}}

{{- define "hotdesk.featurecodes.pbxAuthConfigMap" -}}
{{- .Values.featurecodes.pbxAuth.existingConfigMap | default (printf "%s-pbx-auth" (include "hotdesk.componentName" (dict "ctx" . "component" "featurecodes"))) -}}
{{- end -}}
