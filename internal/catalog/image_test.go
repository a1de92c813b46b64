package catalog_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// pngImage encodes a w×h PNG; seed changes its pixels (and so its hash).
func pngImage(t testing.TB, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{seed, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegImage(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpImage is a lossless WebP (RFC 9649) of w×h pixels: a true header
// followed by 16 bytes standing for the image data.
func webpImage(w, h int) []byte {
	const data = 5 + 16
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(4+8+data+1))
	b.WriteString("WEBPVP8L")
	binary.Write(&b, binary.LittleEndian, uint32(data))
	b.WriteByte(0x2f)
	binary.Write(&b, binary.LittleEndian, uint32(w-1)|uint32(h-1)<<14)
	b.Write(make([]byte, 16+1)) // data, padded to an even size
	return b.Bytes()
}

func TestImages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.product(t, f.a, f.shirts, "Shirt", "", 100)
		var added []string
		for _, tc := range []struct {
			name, want string
			data       []byte
		}{
			{"ok/png", "image/png", pngImage(t, 10, 10, 1)},
			{"ok/jpeg", "image/jpeg", jpegImage(t)},
			{"ok/webp", "image/webp", webpImage(640, 480)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id := must(f.svc.AddImage(ctx, f.a.ID, p.ID, tc.data))(t)
				im := must(f.svc.Image(ctx, id))(t)
				if im.ContentType != tc.want || !bytes.Equal(im.Data, tc.data) || im.SHA256 != sha256.Sum256(tc.data) || im.ProductID != p.ID {
					t.Fatalf("stored image: type %q, %d bytes", im.ContentType, len(im.Data))
				}
				added = append(added, id)
			})
		}
		if got := must(f.svc.Product(ctx, p.ID))(t).ImageIDs; len(got) != 3 || got[0] != added[0] || got[2] != added[2] {
			t.Fatalf("ImageIDs = %v, want %v", got, added)
		}

		var gifBuf bytes.Buffer
		gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black}), nil)
		big := append(pngImage(t, 2, 2, 9), make([]byte, catalog.MaxImageBytes)...)
		for _, tc := range []struct {
			name string
			data []byte
		}{
			{"fail/svg-image", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>`)},
			{"fail/html-image", []byte(`<!DOCTYPE html><script>alert(1)</script>`)},
			{"fail/html-after-png-magic", append([]byte("\x89PNG\r\n\x1a\n"), []byte("<script>alert(1)</script>")...)},
			{"fail/gif-image", gifBuf.Bytes()},
			{"fail/empty-image", nil},
			{"fail/oversized-image", big},
			{"fail/truncated-jpeg", jpegImage(t)[:20]},
			{"fail/huge-dimensions", pngImage(t, catalog.MaxImageSide+1, 1, 0)},
			{"fail/webp-zero-size-lie", append(webpImage(10, 10)[:4], []byte("\xff\xff\xff\x7fWEBPVP8L")...)},
			{"fail/duplicate-image", pngImage(t, 10, 10, 1)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.AddImage(ctx, f.a.ID, p.ID, tc.data)
				wantInvalid(t, err, "image")
				if n := len(must(f.svc.MerchantProduct(ctx, f.a.ID, p.ID))(t).ImageIDs); n != 3 {
					t.Fatalf("refused image changed the product: %d images", n)
				}
			})
		}

		for i := 3; i < catalog.MaxImages; i++ {
			must(f.svc.AddImage(ctx, f.a.ID, p.ID, pngImage(t, 3, 3, uint8(i))))(t)
		}
		_, err := f.svc.AddImage(ctx, f.a.ID, p.ID, pngImage(t, 3, 3, 200))
		wantInvalid(t, err, "image") // fail/too-many-images

		if err := f.svc.RemoveImage(ctx, f.a.ID, p.ID, added[0]); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Image(ctx, added[0])
		wantNotFound(t, err)
		wantNotFound(t, f.svc.RemoveImage(ctx, f.a.ID, p.ID, added[0]))

		// An archived product's images leave the public site; its merchant
		// still sees them.
		if err := f.svc.ArchiveProduct(ctx, f.a.ID, p.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Image(ctx, added[1])
		wantNotFound(t, err)
		must(f.svc.MerchantImage(ctx, f.a.ID, added[1]))(t)
		_, err = f.svc.Image(ctx, "img_../../etc/passwd")
		wantNotFound(t, err)
	})
}
