package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// Limits on product images.
const (
	MaxImageBytes = 5 << 20 // 5 MiB
	MaxImages     = 10      // per product
	MaxImageSide  = 12_000  // pixels, either side: guards whoever decodes it later
)

// Image is a stored product image. ContentType was found from the bytes
// themselves and is one of image/png, image/jpeg and image/webp.
type Image struct {
	ID          string
	ProductID   string
	ContentType string
	Data        []byte
	SHA256      [32]byte
}

// AddImage adds an image to the merchant's product after the others and
// returns its ID. The type is read from the content, never from what the
// client declared: only PNG, JPEG and WebP with sane dimensions pass;
// SVG, HTML and everything else are refused.
func (s *Service) AddImage(ctx context.Context, merchantID, productID string, data []byte) (string, error) {
	if len(data) > MaxImageBytes {
		return "", invalid("image", fmt.Sprintf("is larger than %d MiB", MaxImageBytes>>20))
	}
	ct, err := sniffImage(data)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	id := ids.New("img")
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.lockProduct(ctx, tx, merchantID, productID); err != nil {
			return err
		}
		var n, pos, dup int
		err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(position), -1) + 1,
			COALESCE(SUM(CASE WHEN sha256 = ? THEN 1 ELSE 0 END), 0) FROM product_images WHERE product_id = ?`,
			sum[:], productID).Scan(&n, &pos, &dup)
		if err != nil {
			return err
		}
		if n >= MaxImages {
			return invalid("image", fmt.Sprintf("a product has at most %d images; remove one first", MaxImages))
		}
		if dup > 0 {
			return conflict("image", "this image is already on the product")
		}
		_, err = tx.Exec(ctx, `INSERT INTO product_images (id, product_id, content_type, data, sha256, position, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, productID, ct, data, sum[:], pos, s.micros())
		return err
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// RemoveImage deletes an image of the merchant's product.
func (s *Service) RemoveImage(ctx context.Context, merchantID, productID, imageID string) error {
	if !validID("img", imageID) {
		return ErrNotFound
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.lockProduct(ctx, tx, merchantID, productID); err != nil {
			return err
		}
		return oneRow(tx.Exec(ctx, `DELETE FROM product_images WHERE id = ? AND product_id = ?`, imageID, productID))
	})
}

// Image returns an image of an active product of an active merchant, for
// public pages.
func (s *Service) Image(ctx context.Context, id string) (Image, error) {
	if !validID("img", id) {
		return Image{}, ErrNotFound
	}
	return scanImage(s.db.QueryRow(ctx, `SELECT i.id, i.product_id, i.content_type, i.data, i.sha256
		FROM product_images i JOIN products p ON p.id = i.product_id JOIN merchants m ON m.id = p.merchant_id
		WHERE i.id = ? AND p.status = 'active' AND m.status = 'active'`, id))
}

// MerchantImage returns an image of the merchant's own product, archived
// or not.
func (s *Service) MerchantImage(ctx context.Context, merchantID, id string) (Image, error) {
	if !validID("mer", merchantID) || !validID("img", id) {
		return Image{}, ErrNotFound
	}
	return scanImage(s.db.QueryRow(ctx, `SELECT i.id, i.product_id, i.content_type, i.data, i.sha256
		FROM product_images i JOIN products p ON p.id = i.product_id
		WHERE i.id = ? AND p.merchant_id = ?`, id, merchantID))
}

func scanImage(r scanner) (Image, error) {
	var im Image
	var sum []byte
	if err := r.Scan(&im.ID, &im.ProductID, &im.ContentType, &im.Data, &sum); err != nil {
		return Image{}, notFound(err)
	}
	copy(im.SHA256[:], sum)
	return im, nil
}

// sniffImage names the image type from its leading bytes and checks the
// header parses with sane dimensions.
func sniffImage(data []byte) (string, error) {
	bad := invalid("image", "upload a PNG, JPEG or WebP image")
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return "", bad
		}
		if err := sizeOK(cfg.Width, cfg.Height); err != nil {
			return "", err
		}
		return "image/png", nil
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return "", bad
		}
		if err := sizeOK(cfg.Width, cfg.Height); err != nil {
			return "", err
		}
		return "image/jpeg", nil
	case len(data) >= 30 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		if int(binary.LittleEndian.Uint32(data[4:8])) > len(data)-8 {
			return "", bad
		}
		c, ok := webpSize(data)
		if !ok {
			return "", bad
		}
		if err := sizeOK(c.Width, c.Height); err != nil {
			return "", err
		}
		return "image/webp", nil
	}
	return "", bad
}

// webpSize reads the canvas size from the first chunk of a WebP file
// (RFC 9649): lossy VP8, lossless VP8L or extended VP8X.
func webpSize(d []byte) (image.Config, bool) {
	p := d[20:]
	switch string(d[12:16]) {
	case "VP8 ":
		if p[3] != 0x9d || p[4] != 0x01 || p[5] != 0x2a {
			return image.Config{}, false
		}
		return image.Config{Width: int(binary.LittleEndian.Uint16(p[6:]) & 0x3fff),
			Height: int(binary.LittleEndian.Uint16(p[8:]) & 0x3fff)}, true
	case "VP8L":
		if p[0] != 0x2f {
			return image.Config{}, false
		}
		b := binary.LittleEndian.Uint32(p[1:])
		return image.Config{Width: int(b&0x3fff) + 1, Height: int(b>>14&0x3fff) + 1}, true
	case "VP8X":
		w := int(p[4]) | int(p[5])<<8 | int(p[6])<<16
		h := int(p[7]) | int(p[8])<<8 | int(p[9])<<16
		return image.Config{Width: w + 1, Height: h + 1}, true
	}
	return image.Config{}, false
}

func sizeOK(w, h int) error {
	if w <= 0 || h <= 0 || w > MaxImageSide || h > MaxImageSide {
		return invalid("image", fmt.Sprintf("must be between 1 and %d pixels on each side", MaxImageSide))
	}
	return nil
}
