import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
	XmlDocument,
	XmlElement,
	XmlParseError,
	XmlValidateError,
	XsdValidator,
} from 'libxml2-wasm'

/**
 * XSD validation of JUnit XML with libxml2 (compiled to WebAssembly, from npm: no system
 * xmllint needed, so CI on a fresh machine runs it too) against fixtures/junit.xsd.
 */
const schemaDoc = XmlDocument.fromString(
	readFileSync(join(import.meta.dir, 'fixtures/junit.xsd'), 'utf8'),
)
const validator = XsdValidator.fromDoc(schemaDoc)

export type Validation = { wellFormed: boolean; valid: boolean; errors: string[] }

/** Parses and validates; never throws for a bad document. */
export function validateJUnit(xml: string): Validation {
	let doc: XmlDocument
	try {
		doc = XmlDocument.fromString(xml)
	} catch (e) {
		if (e instanceof XmlParseError) return { wellFormed: false, valid: false, errors: [e.message] }
		throw e
	}
	try {
		validator.validate(doc)
		return { wellFormed: true, valid: true, errors: [] }
	} catch (e) {
		if (e instanceof XmlValidateError) {
			return { wellFormed: true, valid: false, errors: e.details.map((d) => d.message.trim()) }
		}
		throw e
	} finally {
		doc.dispose()
	}
}

/** Runs `read` on the parsed document, then frees it (libxml2 memory is not garbage-collected). */
export function withDocument<T>(xml: string, read: (doc: XmlDocument) => T): T {
	const doc = XmlDocument.fromString(xml)
	try {
		return read(doc)
	} finally {
		doc.dispose()
	}
}

export function elements(doc: XmlDocument, xpath: string): XmlElement[] {
	return doc.find(xpath).filter((n): n is XmlElement => n instanceof XmlElement)
}

export const attr = (el: XmlElement, name: string) => el.attr(name)?.value ?? null
