/* Descriptor addresses for Swift, which cannot take the address of a C const global reliably. */
#pragma once
#include <protobuf-c/protobuf-c.h>
const ProtobufCMessageDescriptor *katib_message_descriptor(int index);
