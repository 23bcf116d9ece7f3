package websocket

import (
	"fmt"
	"reflect"
)

// sendArgs is sendData plus the data's length as bufferedAmount counts it:
// UTF-8 bytes of text, bytes of binary.
func sendArgs(data any) (text string, bin []byte, isText bool, n uint64, err error) {
	text, bin, isText, err = sendData(data)
	n = uint64(len(bin))
	if isText {
		n = uint64(len(text))
	}
	return text, bin, isText, n, err
}

// sendData sorts Send's argument into text or binary: the documented types
// first, then any type whose underlying type is string or []byte.
func sendData(data any) (text string, bin []byte, isText bool, err error) {
	switch v := data.(type) {
	case string:
		return toUSVString(v), nil, true, nil
	case []byte:
		return "", v, false, nil
	case ArrayBuffer:
		return "", v, false, nil
	case *Blob:
		if v == nil {
			return "", nil, false, errNilBlob
		}
		return "", v.data, false, nil
	case nil:
		return "", nil, false, &sendTypeError{data}
	}
	switch rv := reflect.ValueOf(data); {
	case rv.Kind() == reflect.String:
		return toUSVString(rv.String()), nil, true, nil
	case rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8:
		return "", rv.Bytes(), false, nil
	}
	return "", nil, false, &sendTypeError{data}
}

// sendTypeError is Send's error for data of an unsupported type.
type sendTypeError struct{ v any }

func (e *sendTypeError) Error() string {
	return fmt.Sprintf("websocket: Send: unsupported data type %T (want a string, []byte, ArrayBuffer or *Blob, or a type whose underlying type is string or []byte)", e.v)
}

var errNilBlob = fmt.Errorf("websocket: Send: nil *Blob")
