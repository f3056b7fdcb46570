package media

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"time"
)

// MPEG transport stream types of video elementary streams, from ISO/IEC
// 13818-1 and its amendments.
const (
	streamTypeMPEG1Video = 0x01
	streamTypeMPEG2Video = 0x02
	streamTypeH264       = 0x1B
)

// tsScanLimit caps how much of a transport stream readTS looks at. The
// tables and the first sequence parameter set come within the first few
// packets of any stream a camera writes.
const tsScanLimit = 8 << 20

// tsVideoLimit is how much video payload readTS collects and searches for
// a sequence header. Cameras write one, with AVCHD's SEI, at the start of
// every group of pictures, which is well within this.
const tsVideoLimit = 256 << 10

// readTS fills m from an MPEG transport stream. The frame size and rate
// come from the first H.264 sequence parameter set or MPEG-2 sequence
// header of the first video stream. The capture time comes from the MDPM
// metadata that AVCHD camcorders put in H.264 SEI messages.
//
// NOTE: HEVC streams are found but not read, so their fields stay zero.
func readTS(data []byte, m *Metadata) error {
	stride, offset := 188, 0
	if f, _ := detectTransportStream(data[:min(len(data), SniffLen)]); f == formatM2TS {
		stride, offset = 192, 4
	}
	data = data[:min(len(data), tsScanLimit)]

	pmtPID, videoPID := -1, -1
	var streamType byte
	var video []byte
	for pos := offset; pos+188 <= len(data); pos += stride {
		packet := data[pos : pos+188]
		if packet[0] != 0x47 {
			return fmt.Errorf("ts: lost packet sync at offset %d", pos)
		}
		start := packet[1]&0x40 != 0
		pid := int(packet[1]&0x1F)<<8 | int(packet[2])
		payload := tsPayload(packet)
		switch {
		case pid == 0 && start && pmtPID < 0:
			pmtPID = patProgramMapPID(payload)
		case pid == pmtPID && start && videoPID < 0:
			videoPID, streamType = pmtVideoStream(payload)
		case pid == videoPID && (start || len(video) > 0):
			video = append(video, payload...)
		}
		if len(video) >= tsVideoLimit {
			break
		}
	}
	readVideoStream(video, streamType, m)
	switch {
	case pmtPID < 0:
		return errors.New("ts: no program association table")
	case videoPID < 0:
		return errors.New("ts: no video stream in the program map table")
	case m.Width == 0:
		return fmt.Errorf("ts: no sequence header for video stream type 0x%02X", streamType)
	}
	return nil
}

// tsPayload returns the payload of a 188-byte packet after its adaptation
// field, or nil.
func tsPayload(packet []byte) []byte {
	control := packet[3] >> 4 & 3
	start := 4
	if control&2 != 0 {
		start += 1 + int(packet[4])
	}
	if control&1 == 0 || start >= len(packet) {
		return nil
	}
	return packet[start:]
}

// psiSection returns the section that starts a PSI payload, after its
// pointer field, bounded by its section_length, or nil.
func psiSection(payload []byte) []byte {
	if len(payload) < 1 || 1+int(payload[0])+3 > len(payload) {
		return nil
	}
	section := payload[1+int(payload[0]):]
	length := int(section[1]&0x0F)<<8 | int(section[2])
	if 3+length > len(section) || length < 9 {
		return nil
	}
	// Drop the CRC at the end.
	return section[:3+length-4]
}

// patProgramMapPID returns the PID of the first program's map table, or -1.
func patProgramMapPID(payload []byte) int {
	section := psiSection(payload)
	if section == nil || section[0] != 0x00 {
		return -1
	}
	for i := 8; i+4 <= len(section); i += 4 {
		program := int(section[i])<<8 | int(section[i+1])
		if program != 0 { // program 0 points at the network information table
			return int(section[i+2]&0x1F)<<8 | int(section[i+3])
		}
	}
	return -1
}

// pmtVideoStream returns the PID and stream type of the first video stream
// in a program map table, or -1.
func pmtVideoStream(payload []byte) (int, byte) {
	section := psiSection(payload)
	if section == nil || section[0] != 0x02 || len(section) < 12 {
		return -1, 0
	}
	infoLength := int(section[10]&0x0F)<<8 | int(section[11])
	for i := 12 + infoLength; i+5 <= len(section); {
		typ := section[i]
		pid := int(section[i+1]&0x1F)<<8 | int(section[i+2])
		switch typ {
		case streamTypeMPEG1Video, streamTypeMPEG2Video, streamTypeH264, 0x24:
			return pid, typ
		}
		i += 5 + (int(section[i+3]&0x0F)<<8 | int(section[i+4]))
	}
	return -1, 0
}

// readVideoStream reads what it can from the start of a video elementary
// stream, PES headers included.
func readVideoStream(stream []byte, streamType byte, m *Metadata) {
	switch streamType {
	case streamTypeMPEG1Video, streamTypeMPEG2Video:
		_ = readMPEG(stream, m)
	case streamTypeH264:
		readH264(stream, m)
	}
}

// readH264 reads the NAL units of an H.264 byte stream: the first SPS for
// size and frame rate, and SEI messages for AVCHD's capture time.
func readH264(stream []byte, m *Metadata) {
	found := false
	for len(stream) > 0 {
		i := bytes.Index(stream, []byte{0, 0, 1})
		if i < 0 {
			break
		}
		stream = stream[i+3:]
		end := bytes.Index(stream, []byte{0, 0, 1})
		if end < 0 {
			// The unit may continue in data not collected yet.
			break
		}
		unit := stream[:end]
		if len(unit) == 0 {
			continue
		}
		switch unit[0] & 0x1F {
		case 6:
			readSEI(unescapeRBSP(unit[1:]), m)
		case 7:
			if !found {
				found = readSPS(unescapeRBSP(unit[1:]), m)
			}
		}
	}
}

// unescapeRBSP removes the emulation prevention bytes (00 00 03 becomes
// 00 00) from a NAL unit payload.
func unescapeRBSP(unit []byte) []byte {
	if !bytes.Contains(unit, []byte{0, 0, 3}) {
		return unit
	}
	out := make([]byte, 0, len(unit))
	zeros := 0
	for _, b := range unit {
		if zeros >= 2 && b == 3 {
			zeros = 0
			continue
		}
		out = append(out, b)
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

// bitReader reads the bits and Exp-Golomb codes of H.264 syntax. A read
// past the end sets bad and returns zeros.
type bitReader struct {
	data []byte
	pos  int // in bits
	bad  bool
}

func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for range n {
		if r.pos >= 8*len(r.data) {
			r.bad = true
			return 0
		}
		bit := r.data[r.pos/8] >> (7 - r.pos%8) & 1
		v = v<<1 | uint32(bit)
		r.pos++
	}
	return v
}

func (r *bitReader) flag() bool { return r.bits(1) == 1 }

// ue reads an unsigned Exp-Golomb code. Codes longer than 32 bits do not
// occur in valid streams and mark the reader bad.
func (r *bitReader) ue() uint32 {
	zeros := 0
	for !r.bad && r.bits(1) == 0 {
		if zeros++; zeros > 31 {
			r.bad = true
			return 0
		}
	}
	if r.bad {
		return 0
	}
	return 1<<zeros - 1 + r.bits(zeros)
}

// se reads a signed Exp-Golomb code.
func (r *bitReader) se() int32 {
	v := r.ue()
	if v&1 == 1 {
		return int32(v/2 + 1)
	}
	return -int32(v / 2)
}

// h264HighProfiles are the profile_idc values whose SPS carries chroma
// format, bit depths and scaling matrices (ITU-T H.264, section 7.3.2.1.1).
var h264HighProfiles = map[uint32]bool{100: true, 110: true, 122: true, 244: true, 44: true, 83: true, 86: true, 118: true, 128: true, 138: true, 139: true, 134: true, 135: true}

// readSPS reads the frame size and, from the VUI timing information, the
// frame rate of an H.264 sequence parameter set. It reports whether the
// size could be read.
func readSPS(rbsp []byte, m *Metadata) bool {
	r := &bitReader{data: rbsp}
	profile := r.bits(8)
	r.bits(16) // constraint flags and level_idc
	r.ue()     // seq_parameter_set_id
	chromaFormat := uint32(1)
	separatePlanes := false
	if h264HighProfiles[profile] {
		chromaFormat = r.ue()
		if chromaFormat == 3 {
			separatePlanes = r.flag()
		}
		r.ue() // bit_depth_luma_minus8
		r.ue() // bit_depth_chroma_minus8
		r.flag()
		if r.flag() { // seq_scaling_matrix_present_flag
			lists := 8
			if chromaFormat == 3 {
				lists = 12
			}
			for i := range lists {
				if !r.flag() {
					continue
				}
				size := 64 // 8×8 lists follow the six 4×4 ones
				if i < 6 {
					size = 16
				}
				skipScalingList(r, size)
			}
		}
	}
	r.ue()          // log2_max_frame_num_minus4
	switch r.ue() { // pic_order_cnt_type
	case 0:
		r.ue()
	case 1:
		r.flag()
		r.se()
		r.se()
		cycle := r.ue()
		for i := uint32(0); i < cycle && !r.bad; i++ {
			r.se()
		}
	}
	r.ue() // max_num_ref_frames
	r.flag()
	widthMBs := r.ue() + 1
	heightUnits := r.ue() + 1
	frameMBsOnly := r.flag()
	if !frameMBsOnly {
		r.flag() // mb_adaptive_frame_field_flag
	}
	r.flag() // direct_8x8_inference_flag
	var cropLeft, cropRight, cropTop, cropBottom uint32
	if r.flag() {
		cropLeft, cropRight, cropTop, cropBottom = r.ue(), r.ue(), r.ue(), r.ue()
	}
	if r.bad {
		return false
	}

	fieldFactor := uint64(2)
	if frameMBsOnly {
		fieldFactor = 1
	}
	cropX, cropY := uint64(1), fieldFactor
	if !separatePlanes && chromaFormat != 0 {
		subWidth, subHeight := uint64(2), uint64(1)
		switch chromaFormat {
		case 1:
			subHeight = 2
		case 3:
			subWidth = 1
		}
		cropX, cropY = subWidth, subHeight*fieldFactor
	}
	width := int64(widthMBs)*16 - int64(cropX*uint64(cropLeft+cropRight))
	height := int64(fieldFactor*uint64(heightUnits)*16) - int64(cropY*uint64(cropTop+cropBottom))
	if width <= 0 || height <= 0 || width > math.MaxInt32 || height > math.MaxInt32 {
		return false
	}
	m.Width, m.Height = int(width), int(height)

	if r.flag() { // vui_parameters_present_flag
		readVUITiming(r, m)
	}
	return true
}

func skipScalingList(r *bitReader, size int) {
	last, next := int32(8), int32(8)
	for range size {
		if next != 0 {
			next = (last + r.se() + 256) % 256
		}
		if next != 0 {
			last = next
		}
		if r.bad {
			return
		}
	}
}

// readVUITiming reads the VUI parameters up to the timing information and
// sets the frame rate, counting two ticks per frame as H.264 does.
func readVUITiming(r *bitReader, m *Metadata) {
	if r.flag() { // aspect_ratio_info_present_flag
		if r.bits(8) == 255 { // Extended_SAR
			r.bits(32)
		}
	}
	if r.flag() { // overscan_info_present_flag
		r.flag()
	}
	if r.flag() { // video_signal_type_present_flag
		r.bits(4)
		if r.flag() { // colour_description_present_flag
			r.bits(24)
		}
	}
	if r.flag() { // chroma_loc_info_present_flag
		r.ue()
		r.ue()
	}
	if !r.flag() { // timing_info_present_flag
		return
	}
	ticks := r.bits(32)
	scale := r.bits(32)
	if !r.bad && ticks > 0 && scale > 0 {
		m.FPS = math.Round(float64(scale)/float64(2*uint64(ticks))*1000) / 1000
	}
}

// mdpmUUID identifies the user_data_unregistered SEI message in which
// AVCHD camcorders store Modified Digital Video Pack Metadata.
var mdpmUUID = []byte{0x17, 0xEE, 0x8C, 0x60, 0xF8, 0x4D, 0x11, 0xD9, 0x8C, 0xD6, 0x08, 0x00, 0x20, 0x0C, 0x9A, 0x66}

// readSEI reads the capture time from an AVCHD MDPM SEI message: tag 0x18
// holds a time zone byte and the year and month, tag 0x19 the day and the
// time, all in BCD.
//
// NOTE: The time zone byte is not decoded, so the wall-clock time is
// returned in UTC as EXIF times without an offset are.
func readSEI(rbsp []byte, m *Metadata) {
	for pos := 0; pos < len(rbsp) && rbsp[pos] != 0x80; {
		var typ, size int
		for pos < len(rbsp) && rbsp[pos] == 0xFF {
			typ += 255
			pos++
		}
		if pos >= len(rbsp) {
			return
		}
		typ += int(rbsp[pos])
		pos++
		for pos < len(rbsp) && rbsp[pos] == 0xFF {
			size += 255
			pos++
		}
		if pos >= len(rbsp) {
			return
		}
		size += int(rbsp[pos])
		pos++
		if size > len(rbsp)-pos {
			return
		}
		payload := rbsp[pos : pos+size]
		pos += size
		if typ != 5 || len(payload) < 21 || !bytes.Equal(payload[:16], mdpmUUID) || string(payload[16:20]) != "MDPM" {
			continue
		}
		var date, clock []byte
		count := int(payload[20])
		for i := range count {
			entry := 21 + 5*i
			if entry+5 > len(payload) {
				break
			}
			switch payload[entry] {
			case 0x18:
				date = payload[entry+1 : entry+5]
			case 0x19:
				clock = payload[entry+1 : entry+5]
			}
		}
		if date != nil && clock != nil {
			if ts, ok := bcdTime(date, clock); ok {
				m.CaptureTime = ts
			}
		}
	}
}

// bcdTime decodes the MDPM date (zone, century and year, year, month) and
// clock (day, hour, minute, second) bytes.
func bcdTime(date, clock []byte) (time.Time, bool) {
	digits := []byte{date[1], date[2], date[3], clock[0], clock[1], clock[2], clock[3]}
	values := make([]int, 0, len(digits))
	for _, b := range digits {
		hi, lo := int(b>>4), int(b&0x0F)
		if hi > 9 || lo > 9 {
			return time.Time{}, false
		}
		values = append(values, hi*10+lo)
	}
	year := values[0]*100 + values[1]
	month, day := values[2], values[3]
	hour, minute, second := values[4], values[5], values[6]
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC), true
}
