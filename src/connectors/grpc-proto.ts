import {
	loadPackageDefinition,
	type GrpcObject,
	type ServiceClientConstructor,
} from '@grpc/grpc-js'
import { fromJSON } from '@grpc/proto-loader'
import protobuf from 'protobufjs'

/**
 * Loads a service from .proto SOURCE held in memory (targets never name server files): parsed
 * with protobufjs, turned into a grpc-js package definition with proto-loader's `fromJSON`.
 * Errors are prefixed with the field they concern (`proto:`, `service:`, `method:`).
 */
export function loadGrpcService(protoSource: string, service: string): ServiceClientConstructor {
	let root: protobuf.Root
	try {
		root = protobuf.parse(protoSource, { keepCase: true }).root
		root.resolveAll()
	} catch (e) {
		throw new Error(`proto: cannot parse the .proto source: ${(e as Error).message}`)
	}
	const def = fromJSON(root.toJSON(), {
		keepCase: true,
		longs: Number,
		enums: String,
		defaults: true,
		oneofs: true,
	})
	const pkg = loadPackageDefinition(def)
	let node: unknown = pkg
	for (const part of service.split('.')) node = (node as GrpcObject | undefined)?.[part]
	if (typeof node !== 'function' || !(node as ServiceClientConstructor).service) {
		throw new Error(`service: service "${service}" is not defined in the .proto source`)
	}
	return node as ServiceClientConstructor
}

export function findGrpcMethod(protoSource: string, service: string, method: string) {
	const ctor = loadGrpcService(protoSource, service)
	const def = ctor.service[method]
	if (!def) {
		throw new Error(
			`method: method "${method}" is not in ${service} (has ${Object.keys(ctor.service).join(', ')})`,
		)
	}
	return { ctor, def, streaming: def.responseStream, clientStreaming: def.requestStream }
}
