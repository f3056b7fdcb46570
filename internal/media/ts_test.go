package media

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"
)

// bitWriter writes H.264 syntax elements for tests.
type bitWriter struct {
	out  []byte
	bits int
}

func (w *bitWriter) put(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.bits%8 == 0 {
			w.out = append(w.out, 0)
		}
		w.out[len(w.out)-1] |= byte(v>>i&1) << (7 - w.bits%8)
		w.bits++
	}
}

func (w *bitWriter) ue(v uint32) {
	n := 0
	for (v+1)>>n > 1 {
		n++
	}
	w.put(0, n)
	w.put(v+1, n+1)
}

// trailing appends the RBSP stop bit and alignment.
func (w *bitWriter) trailing() []byte {
	w.put(1, 1)
	for w.bits%8 != 0 {
		w.put(0, 1)
	}
	return w.out
}

// testSPS returns a High profile SPS for 1920×1080 (1088 coded rows, 8
// cropped) at 30000/1001 frames per second.
func testSPS() []byte {
	w := &bitWriter{}
	w.put(100, 8) // profile_idc: High
	w.put(0, 8)
	w.put(40, 8) // level 4.0
	w.ue(0)      // seq_parameter_set_id
	w.ue(1)      // chroma_format_idc 4:2:0
	w.ue(0)
	w.ue(0)
	w.put(0, 1)
	w.put(0, 1) // no scaling matrix

	w.ue(0) // log2_max_frame_num_minus4
	w.ue(0) // pic_order_cnt_type
	w.ue(2) // log2_max_pic_order_cnt_lsb_minus4
	w.ue(4) // max_num_ref_frames
	w.put(0, 1)
	w.ue(119) // 120 macroblocks wide
	w.ue(67)  // 68 macroblocks high
	w.put(1, 1)
	w.put(1, 1)
	w.put(1, 1) // frame_cropping_flag
	w.ue(0)
	w.ue(0)
	w.ue(0)
	w.ue(4) // 4 × 2 rows cropped at the bottom

	w.put(1, 1) // vui_parameters_present_flag
	w.put(0, 1) // aspect ratio
	w.put(0, 1) // overscan
	w.put(0, 1) // video signal type
	w.put(0, 1) // chroma location
	w.put(1, 1) // timing_info_present_flag
	w.put(1001, 32)
	w.put(60000, 32)
	w.put(1, 1)
	return append([]byte{0x67}, w.trailing()...)
}

// testMDPM returns an SEI NAL unit with an MDPM date of 2015-08-09
// 10:11:12.
func testMDPM() []byte {
	payload := append([]byte(nil), mdpmUUID...)
	payload = append(payload, "MDPM"...)
	payload = append(payload, 2, 0x18, 0x00, 0x20, 0x15, 0x08, 0x19, 0x09, 0x10, 0x11, 0x12)
	unit := []byte{0x06, 5, byte(len(payload))}
	unit = append(unit, payload...)
	return append(unit, 0x80)
}

// tsPacket returns one 188-byte packet with the given PID and payload,
// padded with an adaptation field.
func tsPacket(pid int, start bool, payload []byte) []byte {
	p := []byte{0x47, byte(pid >> 8 & 0x1F), byte(pid), 0x10}
	if start {
		p[1] |= 0x40
	}
	if pad := 184 - len(payload); pad > 0 {
		p[3] = 0x30
		field := make([]byte, pad)
		field[0] = byte(pad - 1)
		if pad > 1 {
			field[1] = 0
			for i := 2; i < pad; i++ {
				field[i] = 0xFF
			}
		}
		p = append(p, field...)
	}
	return append(p, payload...)
}

// psi returns a PSI payload: pointer field, then the section with its CRC.
func psi(tableID byte, body []byte) []byte {
	section := []byte{tableID, 0xB0, 0, 0, 1, 0xC1, 0, 0}
	section = append(section, body...)
	length := len(section) - 3 + 4
	section[1] |= byte(length >> 8)
	section[2] = byte(length)
	section = binary.BigEndian.AppendUint32(section, crc32.ChecksumIEEE(section))
	return append([]byte{0}, section...)
}

func buildTS(m2ts bool) []byte {
	pat := psi(0x00, []byte{0, 1, 0xE1, 0x00})                                     // program 1 at PID 0x100
	pmt := psi(0x02, []byte{0xE1, 0x01, 0xF0, 0x00, 0x1B, 0xE1, 0x01, 0xF0, 0x00}) // H.264 at PID 0x101
	pes := []byte{0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1}
	pes = append(pes, 0, 0, 0, 1, 0x09, 0xF0)
	pes = append(append(pes, 0, 0, 0, 1), testSPS()...)
	pes = append(append(pes, 0, 0, 0, 1), testMDPM()...)
	pes = append(pes, 0, 0, 0, 1, 0x65, 0x88)
	packets := [][]byte{tsPacket(0, true, pat), tsPacket(0x100, true, pmt), tsPacket(0x101, true, pes)}
	for range 5 {
		packets = append(packets, tsPacket(0x101, false, make([]byte, 184)))
	}
	var out []byte
	for _, p := range packets {
		if m2ts {
			out = append(out, 0, 0, 0, 0)
		}
		out = append(out, p...)
	}
	return out
}

func TestReadMetadataTransportStream(t *testing.T) {
	for _, m2ts := range []bool{false, true} {
		data := buildTS(m2ts)
		f := Detect(data)
		if want := map[bool]Format{false: formatTS, true: formatM2TS}[m2ts]; f != want {
			t.Fatalf("m2ts=%v: Detect = %+v, want %+v", m2ts, f, want)
		}
		m, err := ReadMetadata(data, f)
		if err != nil {
			t.Fatalf("m2ts=%v: %v", m2ts, err)
		}
		want := Metadata{Width: 1920, Height: 1080, FPS: 29.97, CaptureTime: time.Date(2015, 8, 9, 10, 11, 12, 0, time.UTC)}
		assertSameMetadata(t, m, want)
	}
}

func TestReadSPSEmulationPrevention(t *testing.T) {
	raw := []byte{0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x03, 0x05}
	if got, want := unescapeRBSP(raw), []byte{0, 0, 1, 0, 0, 3, 5}; string(got) != string(want) {
		t.Errorf("unescapeRBSP(%x) = %x, want %x", raw, got, want)
	}
}

func TestBitReaderExpGolomb(t *testing.T) {
	w := &bitWriter{}
	for _, v := range []uint32{0, 1, 2, 7, 255, 1 << 20} {
		w.ue(v)
	}
	r := &bitReader{data: w.trailing()}
	for _, want := range []uint32{0, 1, 2, 7, 255, 1 << 20} {
		if got := r.ue(); got != want {
			t.Errorf("ue = %d, want %d", got, want)
		}
	}
	if r.bad {
		t.Error("reader marked bad")
	}
	r = &bitReader{data: make([]byte, 8)} // 64 zero bits: no valid code
	r.ue()
	if !r.bad {
		t.Error("a run of 64 zero bits did not mark the reader bad")
	}
}
